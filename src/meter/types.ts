/**
 * The meter's vocabulary: price rows, energy profiles and the estimates it returns. Every estimate says where its number
 * came from (`source`) and with which provenance, so a report can print it next to the figure instead of guessing.
 */
import type { Provenance } from "../core/provenance.ts";

/** One hosted model's list price. Prices are USD per 1M tokens; `asOf` is when the price was known to hold. */
export interface PriceRow {
  /** The vendor that bills it: "openai", "anthropic", "mistral", "together", "groq", "fireworks", "azure-openai"... */
  provider: string;
  /** The model as the vendor's API names it, lowercase: "gpt-4o", "claude-sonnet-4", "llama-3.3-70b-versatile". */
  model: string;
  /** Other spellings the same row answers to (the vendor's full API id, older names). */
  aliases?: string[];
  inputUsdPer1M: number;
  outputUsdPer1M: number;
  /** The public pricing page the price comes from. */
  source: string;
  /** `YYYY-MM` or `YYYY-MM-DD`: when this price was read or known to hold. */
  asOf: string;
  note?: string;
}

export interface PriceCatalog {
  /** A date-like version (`YYYY-MM` or `YYYY-MM-DD`): the catalog as a whole is no fresher than this. */
  catalogVersion: string;
  /** How the rows were obtained, printed in reports next to modeled costs. */
  basis: string;
  rows: PriceRow[];
}

/** A row resolved for a lookup, with the id it is known by (`provider/model`). */
export interface ResolvedPrice extends PriceRow {
  id: string;
  /** `catalog` for built-in or file rows, `override` for a row from `prices.overrides`. */
  origin: "catalog" | "override";
}

export interface CostEstimate {
  usd: number;
  /** A cost from a price table is always modeled: nobody sent us an invoice. */
  provenance: "modeled";
  /** Which price was used, and from where: "openai/gpt-4o $2.50/$10.00 per 1M (openai.com/api/pricing, 2025-08)". */
  source: string;
  /** Provenance of the quantity that was priced (tokens, CPU ms, GPU seconds), so a report can say "measured × modeled". */
  quantityProvenance?: Provenance;
}

export interface EnergyEstimate {
  /** null when no profile exists for the model: the report says not_measured instead of printing a zero. */
  joules: number | null;
  provenance: Provenance;
  source: string;
}

/** J/token for one family of models; always modeled (see energy-profiles.ts for how each figure was derived). */
export interface EnergyProfile {
  id: string;
  /** Model names this profile applies to, tested against the lowercase name and the resolved catalog id. */
  match: RegExp[];
  joulesPerInputToken: number;
  joulesPerOutputToken: number;
  source: string;
}

/** What the planner's hardware catalog (or anyone else) knows about a GPU's hourly price. */
export interface GpuHourPrice {
  usdPerHour: number;
  source: string;
  date?: string;
}

export type GpuHourPriceSource = (gpu: string) => GpuHourPrice | undefined;

/** Self-hosted LLM energy from the planner (J/token) or telemetry, injected by the caller so the meter stays decoupled. */
export type SelfHostedEnergySource = (model: string, inputTokens: number, outputTokens: number) => EnergyEstimate | undefined;

/** Throughput of a self-hosted deployment, per GPU, under the batching it actually runs with. */
export interface SelfHostedThroughput {
  outputTokensPerSecond: number;
  /** Prefill throughput; omitted means prompt tokens are not charged separately (they overlap with decoding). */
  inputTokensPerSecond?: number;
  /** `measured` when timed here, `modeled` when it comes from the planner. */
  provenance: Provenance;
}
