/**
 * The compact tier: a model frugal trained, run in-process. It always answers; the cascade decides from the confidence
 * (and, for extraction, each field's confidence) whether the answer stands. Usage is measured: wall time for latency,
 * CPU time for cost ($/core-hour through the meter) and energy (a per-core power profile, so energy is modeled).
 */
import { FrugalError } from "../core/errors.ts";
import type { TierRequest, Usage } from "../core/types.ts";
import type { CompactModel } from "../compact/types.ts";
import { timeCpu } from "./cpu-time.ts";
import { leastFieldConfidence, type CascadeTier, type CascadeTierAnswer, type TierMeter } from "./types.ts";

export interface CompactTierOptions {
  name: string;
  model: CompactModel;
  meter: TierMeter;
  /** Overrides the model's stored error-bounded threshold (classify), or every field's threshold (extract). */
  threshold?: number;
  /** extract: per-field overrides. */
  fieldThresholds?: Record<string, number>;
  /** Identifies the model in descriptions and cache scopes (file path + training-data hash). */
  modelId: string;
}

function checkThreshold(value: number, what: string): number {
  if (!(value >= 0 && value <= 1)) throw new FrugalError("config_invalid", `${what} must be within [0, 1], got ${value}`);
  return value;
}

export function createCompactTier(options: CompactTierOptions): CascadeTier {
  const { name, model, meter } = options;
  if (options.threshold !== undefined) checkThreshold(options.threshold, `tier ${name}: threshold`);
  const usageOf = (cpuMs: number, wallMs: number): Usage => {
    const cost = meter.costOfCpu(cpuMs);
    const energy = meter.energyOfCpu(cpuMs);
    return {
      inputTokens: 0,
      outputTokens: 0,
      tokenProvenance: "measured",
      latencyMs: wallMs,
      latencyProvenance: "measured",
      cpuMs,
      costUsd: cost.value,
      costProvenance: cost.provenance,
      energyJ: energy.value,
      energyProvenance: energy.provenance,
    };
  };

  // Both kinds: only the predict is timed (and billed); the answer's shape is built after.
  type Shaped = Omit<CascadeTierAnswer, "tier" | "tierKind" | "model" | "usage">;
  const timedAnswer = <R>(text: string, predict: (text: string) => R, shape: (result: R) => Shaped): CascadeTierAnswer => {
    const { result, cpuMs, wallMs } = timeCpu(() => predict(text));
    return { tier: name, tierKind: "compact", model: options.modelId, ...shape(result), usage: usageOf(cpuMs, wallMs) };
  };

  if (model.kind === "classify") {
    const threshold = options.threshold ?? model.threshold;
    return {
      name,
      kind: "compact",
      threshold,
      description: { kind: "compact", task: "classify", model: options.modelId, threshold },
      async answer(request: TierRequest): Promise<CascadeTierAnswer> {
        return timedAnswer(request.input.text, (text) => model.predict(text), (result) => ({
          output: { kind: "classify", label: result.label },
          confidence: result.confidence,
        }));
      },
    };
  }

  const fieldThresholds: Record<string, number> = {};
  for (const field of model.fields) {
    const override = options.fieldThresholds?.[field];
    if (override !== undefined) checkThreshold(override, `tier ${name}: threshold of field ${field}`);
    // The model's own threshold may be +Infinity: no threshold met its error bound, so the field always escalates.
    fieldThresholds[field] = override ?? options.threshold ?? model.thresholds[field] ?? Number.POSITIVE_INFINITY;
  }
  for (const field of Object.keys(options.fieldThresholds ?? {})) {
    if (!model.fields.includes(field)) {
      throw new FrugalError("config_invalid", `tier ${name}: threshold for unknown field "${field}" (the model has: ${model.fields.join(", ")})`);
    }
  }
  return {
    name,
    kind: "compact",
    fieldThresholds,
    description: { kind: "compact", task: "extract", model: options.modelId, fieldThresholds },
    async answer(request: TierRequest): Promise<CascadeTierAnswer> {
      return timedAnswer(request.input.text, (text) => model.predict(text), (result) => {
        const fields: Record<string, string | null> = {};
        const fieldConfidence: Record<string, number> = {};
        const fieldLines: Record<string, string[]> = {};
        const fieldSource: Record<string, string> = {};
        for (const field of request.fields ?? model.fields) {
          const prediction = result[field];
          fields[field] = prediction?.value ?? null;
          fieldConfidence[field] = prediction?.confidence ?? 0;
          fieldLines[field] = prediction?.lines ?? [];
          fieldSource[field] = name;
        }
        return { output: { kind: "extract", fields }, confidence: leastFieldConfidence(fieldConfidence), fieldConfidence, fieldSource, fieldLines };
      });
    },
  };
}
