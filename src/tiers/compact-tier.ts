/**
 * The compact tier: a model frugal trained, run in-process. It always answers; the cascade decides from the confidence
 * (and, for extraction, each field's confidence) whether the answer stands. Usage is measured: wall time for latency,
 * CPU time for cost ($/core-hour through the meter) and energy (a per-core power profile, so energy is modeled).
 */
import { FrugalError } from "../core/errors.ts";
import type { TierRequest, Usage } from "../core/types.ts";
import type { CompactModel } from "../compact/types.ts";
import { timeCpu } from "./cpu-time.ts";
import type { CascadeTier, CascadeTierAnswer, TierMeter } from "./types.ts";

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

  if (model.kind === "classify") {
    const threshold = options.threshold ?? model.threshold;
    return {
      name,
      kind: "compact",
      threshold,
      description: { kind: "compact", task: "classify", model: options.modelId, threshold },
      async answer(request: TierRequest): Promise<CascadeTierAnswer> {
        const { result, cpuMs, wallMs } = timeCpu(() => model.predict(request.input.text));
        return {
          tier: name,
          tierKind: "compact",
          model: options.modelId,
          output: { kind: "classify", label: result.label },
          confidence: result.confidence,
          usage: usageOf(cpuMs, wallMs),
        };
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
      const { result, cpuMs, wallMs } = timeCpu(() => model.predict(request.input.text));
      const wanted = request.fields ?? [...model.fields];
      const fields: Record<string, string | null> = {};
      const fieldConfidence: Record<string, number> = {};
      const fieldLines: Record<string, string[]> = {};
      const fieldSource: Record<string, string> = {};
      for (const field of wanted) {
        const prediction = result[field];
        fields[field] = prediction?.value ?? null;
        fieldConfidence[field] = prediction?.confidence ?? 0;
        fieldLines[field] = prediction?.lines ?? [];
        fieldSource[field] = name;
      }
      const confidences = Object.values(fieldConfidence);
      return {
        tier: name,
        tierKind: "compact",
        model: options.modelId,
        output: { kind: "extract", fields },
        confidence: confidences.length === 0 ? 1 : Math.min(...confidences),
        fieldConfidence,
        fieldSource,
        fieldLines,
        usage: usageOf(cpuMs, wallMs),
      };
    },
  };
}
