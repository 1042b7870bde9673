/**
 * A compact tier whose thresholds the drift guard may raise while the gateway runs. The cascade reads `threshold` and
 * `fieldThresholds` on every request, so getters over the guard's state change what is kept without rebuilding the
 * cascade; a guard can only raise a threshold, never lower it below the model's own. Also what the auditor reads of a
 * task's tiers: the compact tier the certificate is about (`keeperOf`) and the LLM tier audits ask (`auditLlmOf`).
 */
import type { CompactModel } from "../../compact/types.ts";
import { FrugalError } from "../../core/errors.ts";
import type { TaskSpec } from "../../core/types.ts";
import type { CascadeTier } from "../../tiers/index.ts";
import type { ServedTier } from "../task-service.ts";
import { LABEL_STREAM } from "./agreement.ts";
import type { AuditLlm, KeeperInfo } from "./types.ts";

/** The threshold the guard serves for this model version and stream ("" for a label), or undefined: the tier's own. */
export type ServedThresholdLookup = (request: { task: string; model: string; stream: string }) => number | undefined;

export function withServedThreshold(task: string, tier: CascadeTier, lookup: ServedThresholdLookup): CascadeTier {
  if (tier.kind !== "compact") return tier;
  const model = String(tier.description.model);
  const raised = (own: number | undefined, stream: string): number | undefined => {
    const served = lookup({ task, model, stream });
    return served === undefined || own === undefined || served <= own ? own : served;
  };
  const base = tier.fieldThresholds;
  return {
    ...tier,
    get threshold() {
      return raised(tier.threshold, "");
    },
    get fieldThresholds() {
      if (base === undefined) return undefined;
      let out: Record<string, number> | undefined;
      for (const [field, own] of Object.entries(base)) {
        const served = raised(own, field);
        if (served !== own) (out ??= { ...base })[field] = served as number;
      }
      // Unchanged (the usual case): the tier's own object, no allocation per request.
      return out ?? base;
    },
  };
}

/** ε recorded by a model file: a classifier's certificate, or the extractor's training options. */
function certifiedMaxError(model: CompactModel): number | undefined {
  const read = model.kind === "classify" ? (model as { meta?: { threshold?: { maxError?: unknown } } }).meta?.threshold?.maxError : (model as { parts?: { training?: { maxError?: unknown } } }).parts?.training?.maxError;
  return typeof read === "number" ? read : undefined;
}

/** The task's first compact tier as the certificate describes it (`tiers` unwrapped: the model's own thresholds). */
export function keeperOf(tiers: readonly CascadeTier[], models: ReadonlyMap<string, { model: CompactModel }>): KeeperInfo | undefined {
  const tier = tiers.find((t) => t.kind === "compact");
  const loaded = tier === undefined ? undefined : models.get(tier.name);
  if (tier === undefined || loaded === undefined) return undefined;
  const thresholds = tier.fieldThresholds !== undefined ? { ...tier.fieldThresholds } : { [LABEL_STREAM]: tier.threshold ?? Number.POSITIVE_INFINITY };
  return { tier: tier.name, model: String(tier.description.model), thresholds, maxError: certifiedMaxError(loaded.model) };
}

/** The task's last LLM tier that answers, as audits ask it. */
export function auditLlmOf(tiers: readonly CascadeTier[], served: readonly ServedTier[], spec: TaskSpec): AuditLlm | undefined {
  const tier = [...tiers].reverse().find((t) => t.kind === "llm" && t.modeled !== true);
  const info = served.find((s) => s.name === tier?.name);
  if (tier === undefined || info === undefined) return undefined;
  return {
    name: tier.name,
    model: info.model,
    provider: info.provider,
    region: info.region,
    onPrem: info.onPrem,
    ask: async ({ text, fields, signal }) => {
      const answer = await tier.answer({ task: spec, input: { text }, ...(fields !== undefined ? { fields } : {}), ...(signal !== undefined ? { signal } : {}) });
      if (answer === null) throw new FrugalError("provider_error", `tier ${tier.name} gave no answer`);
      return answer;
    },
  };
}
