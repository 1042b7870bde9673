/**
 * The meter turns usage into money and energy: tokens × a dated list price for hosted models, measured CPU time × a
 * $/core-hour for in-process tiers, GPU-seconds × a $/GPU-hour for self-hosted LLMs, and J/token profiles for energy. It
 * never prints: warnings (a stale catalog, an undated override) are returned for the caller to show.
 */
import { isAbsolute, resolve as resolvePath } from "node:path";
import { validateConfig } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import type { Provenance } from "../core/provenance.ts";
import { closeMatches } from "./close-matches.ts";
import { energyConfigSchema, pricesConfigSchema, type EnergyConfigInput, type PricesConfigInput } from "./config.ts";
import { BUILTIN_ENERGY_PROFILES, DEFAULT_WATTS_PER_CORE, findEnergyProfile } from "./energy-profiles.ts";
import { BUILTIN_PRICE_CATALOG, DEFAULT_CORE_HOUR } from "./price-catalog-data.ts";
import { createPriceIndex, daysSince, loadPriceCatalogFile, normalizeModelName, stripVersionSuffix } from "./price-catalog.ts";
import type {
  CostEstimate,
  EnergyEstimate,
  EnergyProfile,
  GpuHourPrice,
  GpuHourPriceSource,
  PriceCatalog,
  ResolvedPrice,
  SelfHostedEnergySource,
  SelfHostedThroughput,
} from "./types.ts";

export interface MeterOptions {
  /** The `prices:` config block, as written (validated here, once). */
  prices?: PricesConfigInput;
  /** The `energy:` config block, as written. */
  energy?: EnergyConfigInput;
  /** Folder a relative `prices.catalog` path resolves against: the config file's folder. */
  baseDir?: string;
  /** A catalog to use instead of the built-in one (a `prices.catalog` file still wins). */
  catalog?: PriceCatalog;
  /** $/GPU-hour from the planner's hardware catalog, used when the config names none. */
  gpuHourPrice?: GpuHourPriceSource;
  /** Self-hosted LLM energy (planner J/token, telemetry), consulted before the built-in profiles. */
  selfHostedEnergy?: SelfHostedEnergySource;
  /** "Now", for the catalog-age warning. */
  now?: Date;
  /** A catalog older than this many days gets a warning (default 180). */
  staleAfterDays?: number;
}

export interface MeterDescription {
  catalogVersion: string;
  basis: string;
  catalogAgeDays: number | null;
  coreHour: { usdPerHour: number; source: string };
  wattsPerCore: { watts: number; source: string };
  pue: number;
}

export interface Meter {
  /** Human-readable notes for the report: stale catalog, undated overrides. */
  readonly warnings: readonly string[];
  describe(): MeterDescription;
  resolvePrice(model: string): ResolvedPrice;
  /** Every price in force (catalog rows with overrides applied, then override-only models). */
  listPrices(): ResolvedPrice[];
  costOfTokens(model: string, inputTokens: number, outputTokens: number, tokenProvenance?: Provenance): CostEstimate;
  costOfCpu(cpuMs: number, cpuProvenance?: Provenance): CostEstimate;
  costOfGpuSeconds(gpu: string, seconds: number, secondsProvenance?: Provenance): CostEstimate;
  /** GPU-seconds a request holds at the deployment's throughput, priced per GPU-hour. */
  costOfSelfHostedTokens(gpu: string, tokens: { inputTokens: number; outputTokens: number }, throughput: SelfHostedThroughput): CostEstimate;
  energyOfTokens(model: string, inputTokens: number, outputTokens: number): EnergyEstimate;
  energyOfCpu(cpuMs: number): EnergyEstimate;
}

function quantity(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new FrugalError("input_invalid", `${name} must be a finite number ≥ 0, got ${value}`, { details: { [name]: value } });
  }
  return value;
}

/** GPU-seconds one request holds: decode time plus, when prefill throughput is known, prefill time. */
export function gpuSecondsForTokens(tokens: { inputTokens: number; outputTokens: number }, throughput: SelfHostedThroughput): number {
  if (!(throughput.outputTokensPerSecond > 0)) throw new FrugalError("input_invalid", "outputTokensPerSecond must be > 0");
  const decode = quantity("outputTokens", tokens.outputTokens) / throughput.outputTokensPerSecond;
  const tps = throughput.inputTokensPerSecond;
  const prefill = tps === undefined ? 0 : quantity("inputTokens", tokens.inputTokens) / tps;
  return decode + prefill;
}

/**
 * A $/GPU-hour source from hardware rows shaped like the planner's catalog (src/plan/catalog-hardware.ts), matched on id or
 * name, case-insensitive. Structural, so the meter does not import the planner:
 * `createMeter({ gpuHourPrice: gpuHourPriceFromRows(BUILTIN_HARDWARE) })`.
 */
export function gpuHourPriceFromRows(rows: ReadonlyArray<{ id: string; name?: string; cloudUsdPerHour: number; source: string; date?: string }>): GpuHourPriceSource {
  return (gpu) => {
    const wanted = normalizeModelName(gpu);
    const row = rows.find((r) => normalizeModelName(r.id) === wanted || (r.name !== undefined && normalizeModelName(r.name) === wanted));
    if (row === undefined || !(row.cloudUsdPerHour > 0)) return undefined;
    return { usdPerHour: row.cloudUsdPerHour, source: `${row.id}: ${row.source}`, ...(row.date === undefined ? {} : { date: row.date }) };
  };
}

export function createMeter(options: MeterOptions = {}): Meter {
  const prices = validateConfig(pricesConfigSchema, options.prices ?? {}, "prices");
  const energy = validateConfig(energyConfigSchema, options.energy ?? {}, "energy");
  const catalog =
    prices.catalog === undefined
      ? (options.catalog ?? BUILTIN_PRICE_CATALOG)
      : loadPriceCatalogFile(isAbsolute(prices.catalog) ? prices.catalog : resolvePath(options.baseDir ?? process.cwd(), prices.catalog));
  const index = createPriceIndex(catalog, prices.overrides);
  const coreHour =
    prices.core_hour_usd === undefined
      ? { usdPerHour: DEFAULT_CORE_HOUR.usdPerHour, source: `${DEFAULT_CORE_HOUR.source} (as of ${DEFAULT_CORE_HOUR.asOf})` }
      : { usdPerHour: prices.core_hour_usd, source: "prices.core_hour_usd in the config" };
  const wattsPerCore =
    energy.watts_per_core === undefined ? { ...DEFAULT_WATTS_PER_CORE } : { watts: energy.watts_per_core, source: "energy.watts_per_core in the config" };
  const pue = energy.pue ?? 1;
  const pueNote = pue === 1 ? "" : ` × PUE ${pue}`;
  const profileOverrides = new Map<string, EnergyProfile>(
    energy.profiles.map((p) => [
      normalizeModelName(p.model),
      { id: p.model, match: [], joulesPerInputToken: p.j_per_input_token, joulesPerOutputToken: p.j_per_output_token, source: p.source },
    ]),
  );

  const warnings: string[] = [];
  const now = options.now ?? new Date();
  const ageDays = daysSince(catalog.catalogVersion, now);
  const staleAfter = options.staleAfterDays ?? 180;
  if (ageDays !== null && ageDays > staleAfter) {
    warnings.push(`price catalog ${catalog.catalogVersion} is ${ageDays} days old: list prices may have changed; pin current ones under prices.overrides`);
  }
  for (const o of prices.overrides) {
    if (o.date === undefined) warnings.push(`price override for "${o.model}" has no date`);
  }

  function gpuPrice(gpu: string): GpuHourPrice {
    const configured = prices.gpu_hour_usd;
    if (typeof configured === "object") {
      const hit = Object.entries(configured).find(([name]) => normalizeModelName(name) === normalizeModelName(gpu));
      if (hit !== undefined) return { usdPerHour: hit[1], source: `prices.gpu_hour_usd.${hit[0]} in the config` };
    } else if (typeof configured === "number") {
      return { usdPerHour: configured, source: "prices.gpu_hour_usd in the config" };
    }
    const fromCatalog = options.gpuHourPrice?.(gpu);
    if (fromCatalog !== undefined) return fromCatalog;
    throw new FrugalError("config_invalid", `no $/GPU-hour for GPU "${gpu}": set prices.gpu_hour_usd (a number, or { ${gpu}: <usd> })`, {
      details: { gpu, keyPath: "prices.gpu_hour_usd" },
    });
  }

  function costOfGpuSeconds(gpu: string, seconds: number, secondsProvenance: Provenance = "measured"): CostEstimate {
    const price = gpuPrice(gpu);
    const usd = (quantity("seconds", seconds) / 3600) * price.usdPerHour;
    const date = price.date === undefined ? "" : `, ${price.date}`;
    return { usd, provenance: "modeled", source: `${gpu} at $${price.usdPerHour}/GPU-hour (${price.source}${date})`, quantityProvenance: secondsProvenance };
  }

  return {
    warnings,
    describe: () => ({ catalogVersion: catalog.catalogVersion, basis: catalog.basis, catalogAgeDays: ageDays, coreHour, wattsPerCore, pue }),
    resolvePrice: (model) => index.resolve(model),
    listPrices: () => index.list(),

    costOfTokens(model, inputTokens, outputTokens, tokenProvenance = "measured") {
      const row = index.resolve(model);
      const usd = (quantity("inputTokens", inputTokens) * row.inputUsdPer1M + quantity("outputTokens", outputTokens) * row.outputUsdPer1M) / 1e6;
      const origin = row.origin === "override" ? "override, " : "";
      const source = `${row.id} $${row.inputUsdPer1M}/$${row.outputUsdPer1M} per 1M input/output tokens (${origin}${row.source}, as of ${row.asOf})`;
      return { usd, provenance: "modeled", source, quantityProvenance: tokenProvenance };
    },

    costOfCpu(cpuMs, cpuProvenance = "measured") {
      const usd = (quantity("cpuMs", cpuMs) / 3_600_000) * coreHour.usdPerHour;
      return { usd, provenance: "modeled", source: `CPU time at $${coreHour.usdPerHour.toPrecision(3)}/core-hour (${coreHour.source})`, quantityProvenance: cpuProvenance };
    },

    costOfGpuSeconds,

    costOfSelfHostedTokens(gpu, tokens, throughput) {
      const seconds = gpuSecondsForTokens(tokens, throughput);
      const estimate = costOfGpuSeconds(gpu, seconds, throughput.provenance);
      const rate = `${throughput.outputTokensPerSecond} output tokens/s per GPU (${throughput.provenance})`;
      return { ...estimate, source: `${estimate.source}, ${rate}` };
    },

    energyOfTokens(model, inputTokens, outputTokens) {
      const tokensIn = quantity("inputTokens", inputTokens);
      const tokensOut = quantity("outputTokens", outputTokens);
      const asked = normalizeModelName(model);
      const row = index.find(model);
      const names = [...new Set([asked, stripVersionSuffix(asked), ...(row === undefined ? [] : [row.id, normalizeModelName(row.model)])])];
      const fromProfile = (p: EnergyProfile): EnergyEstimate => ({
        joules: (tokensIn * p.joulesPerInputToken + tokensOut * p.joulesPerOutputToken) * pue,
        provenance: "modeled",
        source: `${p.joulesPerInputToken} J/input token, ${p.joulesPerOutputToken} J/output token${pueNote} (${p.source})`,
      });
      const configured = names.map((n) => profileOverrides.get(n)).find((p) => p !== undefined);
      if (configured !== undefined) return fromProfile(configured);
      const injected = options.selfHostedEnergy?.(model, tokensIn, tokensOut);
      if (injected !== undefined) return injected;
      const builtIn = findEnergyProfile(BUILTIN_ENERGY_PROFILES, names);
      if (builtIn !== undefined) return fromProfile(builtIn);
      if (row !== undefined) {
        return { joules: null, provenance: "not_measured", source: `no energy profile for ${row.id}: add one under energy.profiles (model, j_per_input_token, j_per_output_token, source)` };
      }
      const suggestions = closeMatches(asked, [...index.names(), ...profileOverrides.keys()]);
      const hint = suggestions.length > 0 ? `; close matches: ${suggestions.join(", ")}` : "";
      throw new FrugalError("config_invalid", `unknown model "${model}": no price and no energy profile${hint}`, {
        details: { model, closeMatches: suggestions },
      });
    },

    energyOfCpu(cpuMs) {
      const joules = (quantity("cpuMs", cpuMs) / 1000) * wattsPerCore.watts * pue;
      return { joules, provenance: "modeled", source: `CPU time at ${wattsPerCore.watts} W per busy core${pueNote} (${wattsPerCore.source})` };
    },
  };
}
