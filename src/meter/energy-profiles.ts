/**
 * Built-in J/token profiles for hosted models. Every figure here is MODELED: nobody outside the vendor measures a hosted
 * model's energy. Each profile says how it was derived, and reports print that next to the kWh figure.
 *
 * Two derivations:
 * 1. GPT-4o: Epoch AI's estimate ("How much energy does ChatGPT use?", 2025): ≈0.3 Wh for a typical query of ≈500 output
 *    tokens (≈2.2 J per output token), ≈2.5 Wh with a 10k-token input (≈0.8 J per extra input token; their curve grows
 *    faster than linearly beyond that, so long prompts are under-counted here).
 * 2. Dense open-weight decoders on H100, scaled by parameter count from one measurement: the ML.ENERGY Leaderboard v3.0
 *    measured Llama 3.1 8B at 0.12 J per output token on H100 (vLLM 0.11, batch 64). Decoding is memory-bound, so J per output
 *    token is taken proportional to parameters (a model of 70B at the same batch ≈ 8.8× the 8B figure). Prompt tokens are
 *    compute-bound: 2 × parameters FLOP each, at an effective 0.7 TFLOP per joule (H100 SXM: 989 dense BF16 TFLOPS at 700 W,
 *    taken at 50% utilization). Cross-check: Samsi et al. 2023 measured 3-4 J per output token for LLaMA 65B on A100 without
 *    modern batching; the scaled 70B figure (≈1.1 J) is lower because batching and H100s are both better.
 * Energy is IT energy (the GPUs and their server share); `energy.pue` scales it to facility energy.
 */
import type { EnergyProfile } from "./types.ts";

const ML_ENERGY =
  "ML.ENERGY Leaderboard v3.0: Llama 3.1 8B on H100, 0.12 J/output token at batch 64 (https://ml.energy/blog/measurement/energy/llm-inference-energy-a-longitudinal-analysis)";
const EPOCH = "Epoch AI, How much energy does ChatGPT use? (2025), https://epoch.ai/gradient-updates/how-much-energy-does-chatgpt-use";

/** Measured reference point of the scaling (see the header). */
const REFERENCE = { params: 8.03e9, joulesPerOutputToken: 0.12 };
/** Effective prefill efficiency, FLOP per joule: 989e12 FLOP/s ÷ 700 W × 50% utilization. */
const PREFILL_FLOP_PER_JOULE = (989e12 / 700) * 0.5;

function twoSignificant(x: number): number {
  return Number(x.toPrecision(2));
}

/** A dense decoder of `params` parameters on H100, scaled from the ML.ENERGY measurement; exported for tests and docs. */
export function scaledDenseProfile(id: string, params: number, match: RegExp[]): EnergyProfile {
  const out = twoSignificant((REFERENCE.joulesPerOutputToken * params) / REFERENCE.params);
  const input = twoSignificant((2 * params) / PREFILL_FLOP_PER_JOULE);
  return {
    id,
    match,
    joulesPerInputToken: input,
    joulesPerOutputToken: out,
    source: `modeled: ${Number((params / 1e9).toPrecision(3))}B dense decoder on H100, output scaled by parameters from ${ML_ENERGY}; input = 2×params FLOP at 0.7 TFLOP/J (H100 SXM datasheet, 50% utilization)`,
  };
}

export const BUILTIN_ENERGY_PROFILES: EnergyProfile[] = [
  {
    id: "gpt-4o-epoch-2025",
    match: [/(^|\/)gpt-4o($|-20\d\d)/],
    joulesPerInputToken: 0.8,
    joulesPerOutputToken: 2.2,
    source: `modeled: ${EPOCH}: 0.3 Wh per ≈500-output-token query, 2.5 Wh at 10k input tokens`,
  },
  scaledDenseProfile("llama-3.1-8b-h100", 8.03e9, [/llama-?3\.[123]-8b/, /llama-v3p[123]-8b/]),
  scaledDenseProfile("llama-70b-h100", 70.6e9, [/llama-?3\.[13]-70b/, /llama-v3p[13]-70b/]),
  scaledDenseProfile("mistral-small-24b-h100", 24e9, [/mistral-small/]),
  scaledDenseProfile("mistral-large-123b-h100", 123e9, [/mistral-large/]),
];

/** Watts of one busy vCPU: Cloud Carbon Footprint's AWS average at 100% CPU (min 0.74 W idle, max 3.5 W). */
export const DEFAULT_WATTS_PER_CORE = {
  watts: 3.5,
  source: "Cloud Carbon Footprint methodology, Appendix I, AWS average maximum watts per vCPU (https://www.cloudcarbonfootprint.org/docs/methodology)",
} as const;

export function findEnergyProfile(profiles: EnergyProfile[], names: string[]): EnergyProfile | undefined {
  return profiles.find((p) => p.match.some((re) => names.some((n) => re.test(n))));
}
