/**
 * Adapters from src/meter and src/plan to the two seams the tiers are priced through: TierMeter (cost, energy, token
 * counts) and LlmEstimator (a modeled LLM's latency, from the planner's roofline model at the load the tier sees).
 */
import { FrugalError, isFrugalError } from "../core/errors.ts";
import { countTokens, type Meter } from "../meter/index.ts";
import { estimateLlmRequest } from "../plan/index.ts";
import type { LlmEstimator, TierMeter } from "../tiers/index.ts";
import type { PricedAs } from "../results/types.ts";
import type { TierConfig, TiersConfig } from "./config.ts";

export function tierMeterOf(meter: Meter): TierMeter {
  return {
    costOfTokens(model, inputTokens, outputTokens) {
      const c = meter.costOfTokens(model, inputTokens, outputTokens);
      return { value: c.usd, provenance: c.provenance, source: c.source };
    },
    energyOfTokens(model, inputTokens, outputTokens) {
      const e = meter.energyOfTokens(model, inputTokens, outputTokens);
      return { value: e.joules, provenance: e.provenance, source: e.source };
    },
    costOfCpu(cpuMs) {
      const c = meter.costOfCpu(cpuMs);
      return { value: c.usd, provenance: c.provenance, source: c.source };
    },
    energyOfCpu(cpuMs) {
      const e = meter.energyOfCpu(cpuMs);
      return { value: e.joules, provenance: e.provenance, source: e.source };
    },
    countTokens: (text) => countTokens(text),
  };
}

/**
 * How each declared tier is priced, in the meter's words, for notes next to modeled costs (undefined: not priced).
 * `pricedModel` names the model an llm tier is priced as (the one its endpoint serves); default: the config's `model`.
 */
export function describeTierPrice(meter: Meter, tiers: TiersConfig, pricedModel?: (tier: string) => string | undefined): (tier: string) => string | undefined {
  return (name) => {
    const tier = tiers[name];
    try {
      if (tier?.kind === "compact") return meter.costOfCpu(0).source;
      if (tier?.kind !== "llm") return undefined;
      // A local GGUF model is priced by its measured compute time, counted as one core (see build-tiers.ts).
      return tier.provider === "llama-cpp" ? `${meter.costOfCpu(0).source}, compute time counted as one core` : meter.costOfTokens(pricedModel?.(name) ?? tier.model, 0, 0).source;
    } catch (error) {
      if (isFrugalError(error)) return undefined; // an unpriced model already failed the config check; no note then
      throw error;
    }
  };
}

/**
 * The price row a tier is costed with, for results.json (`priced_as`): the model, its $/1M input and output tokens, where
 * the price comes from and the catalog's version — or the $/core-hour of CPU-priced tiers. `served` is the model an llm tier
 * is priced as (build-tiers.ts `pricedModelOf`) and where that name came from.
 */
export function pricedAsOf(meter: Meter, tier: TierConfig, served?: { model: string; from?: string }): PricedAs {
  const catalogVersion = meter.describe().catalogVersion;
  if (tier.kind === "cache") {
    return { basis: "none", model: null, source: "a cache lookup is not priced (its time is in the latency)", usd_per_1m_input: null, usd_per_1m_output: null, catalog_version: catalogVersion };
  }
  if (tier.kind === "compact" || tier.provider === "llama-cpp") {
    const core = meter.describe().coreHour;
    const source = tier.kind === "compact" ? core.source : `${core.source}; compute time counted as one core`;
    return { basis: "cpu_time", model: null, source, usd_per_1m_input: null, usd_per_1m_output: null, catalog_version: catalogVersion, usd_per_core_hour: core.usdPerHour };
  }
  const asked = served?.model ?? tier.model;
  const row = meter.resolvePrice(asked);
  return {
    basis: "tokens",
    model: row.id,
    source: `${row.source}, as of ${row.asOf}`,
    usd_per_1m_input: row.inputUsdPer1M,
    usd_per_1m_output: row.outputUsdPer1M,
    catalog_version: row.origin === "override" ? "prices.overrides" : catalogVersion,
    origin: row.origin,
    as_of: row.asOf,
    served_model: asked,
    ...(served?.from !== undefined ? { served_model_from: served.from } : {}),
  };
}

export interface PlannerEstimatorOptions {
  /** The planner's model id (its catalog: llama-3.1-70b, llama-3.1-8b...). */
  model: string;
  gpu: string;
  precision: string;
  /** The arrival rate this tier sees now (req/s), or undefined for one request in flight. */
  rate: () => number | undefined;
  /** Names the config key in errors. */
  keyPath: string;
}

function twoSignificant(x: number): number {
  if (x <= 0) return 0;
  const magnitude = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / magnitude) * magnitude;
}

/**
 * The planner's per-request estimate, memoized by request size and (rounded) rate: the roofline costs ~0.3 ms, too much to
 * pay on every request of a 2,000 req/s run. Validated once at construction so a wrong model or GPU name fails the config,
 * not the 1,000th request.
 */
export function createPlannerEstimator(options: PlannerEstimatorOptions): LlmEstimator {
  const base = { gpu: options.gpu, model: options.model, precision: options.precision };
  try {
    estimateLlmRequest({ ...base, inputTokens: 100, outputTokens: 10 });
  } catch (error) {
    if (!isFrugalError(error)) throw error;
    throw new FrugalError("config_invalid", `${options.keyPath}: the planner cannot model ${options.model} (${options.precision}) on ${options.gpu}: ${error.message}`, {
      cause: error,
      details: { keyPath: options.keyPath },
    });
  }
  const memo = new Map<string, { latencyMs: number; note: string }>();
  return {
    source: `planner: ${options.model} ${options.precision} on ${options.gpu}`,
    estimate({ inputTokens, outputTokens }) {
      const rawRate = options.rate();
      const rate = rawRate === undefined || !(rawRate > 0) ? undefined : twoSignificant(rawRate);
      const key = `${inputTokens}:${outputTokens}:${rate ?? "-"}`;
      let hit = memo.get(key);
      if (hit === undefined) {
        const estimate = estimateLlmRequest({
          ...base,
          inputTokens: Math.max(1, inputTokens),
          outputTokens: Math.max(1, outputTokens),
          ...(rate === undefined ? {} : { ratePerSecond: rate }),
        });
        hit = { latencyMs: estimate.latencyMs, note: estimate.assumptions.join("; ") };
        if (memo.size < 50_000) memo.set(key, hit);
      }
      // Energy comes from the meter's J/token profile, the same source a measured call of this model is charged with.
      return { latencyMs: hit.latencyMs, energyJ: null, note: hit.note };
    },
  };
}
