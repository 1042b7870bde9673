/**
 * Who answers the improvement loop's escalations: the task's LLM tier, built by the project's tier code from a PoC config.
 * With an endpoint (FRUGAL_LLM_BASE_URL, or the tier's own `endpoint:`) the label and the token counts are the endpoint's;
 * without one the tier is modeled — its cost is the catalog price of the rendered prompt's real token count (tokenizer)
 * and the mean label length — and the label comes from the openly simulated labeler (simulated-labeler.ts), so the run is
 * marked `labeler: "simulated"` throughout.
 */
import { FrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import type { Meter } from "../meter/index.ts";
import { buildPipelineTiers, prepareTierResources, type SharedTierResources } from "../pipeline/build-tiers.ts";
import { createCompactLoader } from "../pipeline/compact-loader-impl.ts";
import { pipelineSchema, type TiersConfig } from "../pipeline/config.ts";
import { tierMeterOf } from "../pipeline/tier-meter.ts";
import type { CascadeTier, TierMeter } from "../tiers/index.ts";
import { createSimulatedLabeler, type SimulatedLabeler } from "./simulated-labeler.ts";

export interface LoopAnswer {
  /** null: the endpoint failed or answered outside the label set (no training row). */
  label: string | null;
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  /** `measured`: counted by the endpoint; `modeled`: counted here with the tokenizer (no endpoint). */
  tokenProvenance: "measured" | "modeled" | "not_measured";
}

export interface LoopLabeler {
  /** "llm": a real endpoint answered; "simulated": the gold label with noise (simulated-labeler.ts). */
  readonly labeler: "llm" | "simulated";
  /** What prices the calls: the catalog row of the model, as the meter describes it. */
  readonly pricedAs: string;
  readonly model: string;
  /** `gold` is read only by the simulated labeler. */
  answer(text: string, gold: string): Promise<LoopAnswer>;
  close(): Promise<void>;
}

export interface LoopLabelerOptions {
  task: TaskSpec & { labels: string[] };
  /** The PoC config's declared tiers, and the name of the llm tier that answers escalations. */
  tiers: TiersConfig;
  tierName: string;
  baseDir: string;
  env: Record<string, string | undefined>;
  meter: Meter;
  /** The simulated labeler's noise and seed (used only when the tier has no endpoint). */
  noise: number;
  seed: number;
}

/** The llm tier `tierName` of a config, alone, with its shared resources (one provider connection pool). */
async function llmTierOf(options: LoopLabelerOptions, tierMeter: TierMeter): Promise<{ tier: CascadeTier; resources: SharedTierResources }> {
  const declared = options.tiers[options.tierName];
  const config = { tiers: declared === undefined ? {} : { [options.tierName]: declared } };
  const resources = await prepareTierResources({ config, baseDir: options.baseDir, env: options.env, meter: options.meter, compactLoader: createCompactLoader(), task: { kind: "classify" } });
  const pipeline = pipelineSchema.parse({ name: "improvement-loop", tiers: [options.tierName] });
  const [tier] = buildPipelineTiers({ config, pipeline, task: options.task, resources, meter: options.meter, tierMeter, pipelineRate: undefined, reachShare: () => 1 });
  if (tier === undefined || tier.kind !== "llm") throw new FrugalError("config_invalid", `tiers.${options.tierName}: not an llm tier of the config`, { details: { keyPath: `tiers.${options.tierName}` } });
  return { tier, resources };
}

export async function createLoopLabeler(options: LoopLabelerOptions): Promise<LoopLabeler> {
  const tierMeter = tierMeterOf(options.meter);
  const { tier, resources } = await llmTierOf(options, tierMeter);
  const simulated: SimulatedLabeler | undefined = tier.modeled === true ? createSimulatedLabeler({ labels: options.task.labels, noise: options.noise, seed: options.seed }) : undefined;
  const model = String(tier.description.model);
  const request = (text: string) => ({ task: options.task, input: { text } });
  return {
    labeler: simulated === undefined ? "llm" : "simulated",
    model,
    pricedAs: tierMeter.costOfTokens(model, 0, 0).source,
    async answer(text, gold) {
      let result;
      try {
        result = await tier.answer(request(text));
      } catch {
        // A failed call is a row without a label, not a crash (its cost is unknown: not counted).
        return { label: null, costUsd: null, inputTokens: 0, outputTokens: 0, tokenProvenance: "not_measured" };
      }
      const usage = result?.usage;
      const priced = { costUsd: usage?.costUsd ?? null, inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
      if (simulated !== undefined) return { ...priced, label: simulated.label(text, gold).label, tokenProvenance: "modeled" };
      const output = result?.output;
      return { ...priced, label: output?.kind === "classify" ? output.label : null, tokenProvenance: usage?.tokenProvenance ?? "not_measured" };
    },
    close: () => resources.close(),
  };
}
