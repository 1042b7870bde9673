/**
 * How each tier of a pipeline is described in results.json: its kind and model, where an LLM was reached (or that it was
 * modeled and how to measure it), the thresholds in force, and the price row its cost was computed with (`priced_as`).
 */
import type { Meter } from "../meter/index.ts";
import { pricedModelOf, type SharedTierResources } from "../pipeline/build-tiers.ts";
import { pricedAsOf } from "../pipeline/tier-meter.ts";
import type { CascadeTier } from "../tiers/index.ts";
import type { PocConfig } from "./config.ts";
import type { PipelineOutcome } from "./results.ts";
import { displayUrl } from "./preflight.ts";

/** +Infinity (no threshold met the model's error bound) is not JSON: say what it means instead. */
function thresholdEntry(threshold: number): Record<string, unknown> {
  return Number.isFinite(threshold) ? { threshold } : { threshold: null, threshold_note: "no threshold met the error bound at training: every answer escalates" };
}

export function describeTiers(config: PocConfig, built: readonly CascadeTier[], resources: SharedTierResources, meter: Meter): PipelineOutcome["tiers"] {
  return built.map((t) => {
    const c = config.tiers[t.name];
    const endpoint = resources.endpoints.get(t.name);
    const served = c?.kind === "llm" ? { model: pricedModelOf(t.name, c, resources), ...(endpoint?.servedModelFrom !== undefined ? { from: endpoint.servedModelFrom } : {}) } : undefined;
    return {
      name: t.name,
      kind: t.kind,
      modeled: t.modeled === true,
      ...(c?.kind === "llm" ? { model: endpoint?.servedModel ?? c.model, price_model: served?.model ?? c.model, config_model: c.model } : {}),
      ...(c?.kind === "llm" && endpoint !== undefined ? { endpoint: displayUrl(endpoint.baseUrl) } : {}),
      ...(t.modeled === true ? { measured_by: resources.measuredHints.get(t.name), latency_source: "planner", quality: "not_measured" } : {}),
      ...(t.threshold !== undefined ? thresholdEntry(t.threshold) : {}),
      ...(t.fieldThresholds !== undefined
        ? { field_thresholds: Object.fromEntries(Object.entries(t.fieldThresholds).map(([f, v]) => [f, Number.isFinite(v) ? v : null])) }
        : {}),
      ...(c?.kind === "compact" ? { model: resources.compact.get(t.name)?.id, compact: resources.compact.get(t.name)?.info } : {}),
      ...(c !== undefined ? { priced_as: pricedAsOf(meter, c, served) } : {}),
    };
  });
}
