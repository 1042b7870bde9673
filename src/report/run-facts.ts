/**
 * What the runner says about the run itself, as the report shows it: a stop on failures (then no comparison and no
 * recommendation is shown), the price row each tier was costed with, how warm-up was handled, the sentences the runner
 * wrote about the run, and, with repeated traffic, how much of the saving is the cache's and how much the compact tier's.
 * Every reader here accepts files written before these keys existed (they are then null or empty).
 */
import type { AbortedRun, CacheAttribution, PocResults, PricedAs } from "../results/types.ts";
import { formatShare, formatUsd } from "./format.ts";

export interface RunFactsView {
  /** Set when the run stopped on failures: why, in words. The report then compares and recommends nothing. */
  aborted: string | null;
  warmupNote: string | null;
  runNotes: string[];
  /** "Of the $0.39 saved per 1,000 requests, the cache saves $0.09 and the compact tier $0.30", and the writer's note. */
  cacheAttribution: string[];
}

function isAborted(v: unknown): v is AbortedRun {
  return v !== null && typeof v === "object" && typeof (v as AbortedRun).reason === "string";
}

export function abortedOf(results: PocResults): AbortedRun | null {
  return isAborted(results.aborted) ? results.aborted : null;
}

function abortedText(a: AbortedRun): string {
  const codes = Object.entries(a.by_code ?? {}).map(([code, n]) => `${code} ×${n}`).join(", ");
  const rate = typeof a.failure_rate === "number" ? ` (${formatShare(a.failure_rate)} of its requests failed, limit ${formatShare(a.failure_limit)})` : "";
  const example = typeof a.example === "string" && a.example !== "" ? ` First failure: ${a.example}` : "";
  return `${a.reason}${rate}${codes === "" ? "" : `; ${codes}`}. No comparison and no recommendation is made from this run.${example}`;
}

/** "big-llm priced as openai/gpt-4o: $2.50 / $10 per 1M input / output tokens (catalog 2025-10; served model from FRUGAL_LLM_MODEL)". */
export function pricedAsText(tier: string, p: unknown): string | null {
  if (p === null || typeof p !== "object") return null;
  const priced = p as Partial<PricedAs>;
  const version = typeof priced.catalog_version === "string" ? priced.catalog_version : "";
  const catalog = version === "prices.overrides" ? "prices.overrides" : version === "" ? "" : `catalog ${version}`;
  const served = typeof priced.served_model === "string" ? `served model ${priced.served_model}${typeof priced.served_model_from === "string" ? ` (from ${priced.served_model_from})` : ""}` : "";
  const where = [catalog, served, typeof priced.as_of === "string" ? `as of ${priced.as_of}` : ""].filter((s) => s !== "").join("; ");
  const tail = where === "" ? "" : ` (${where})`;
  if (priced.basis === "tokens") {
    const price = (v: number | null | undefined): string => (typeof v === "number" ? formatUsd(v) : "?");
    return `${tier} priced as ${priced.model ?? "?"}: ${price(priced.usd_per_1m_input)} / ${price(priced.usd_per_1m_output)} per 1M input / output tokens${tail}`;
  }
  if (priced.basis === "cpu_time") {
    return `${tier} priced by measured CPU time${typeof priced.usd_per_core_hour === "number" ? ` at ${formatUsd(priced.usd_per_core_hour)}/core-hour` : ""}${typeof priced.source === "string" ? ` (${priced.source})` : ""}`;
  }
  if (priced.basis === "none") return `${tier}: not priced (costs nothing)`;
  return null;
}

function cacheAttributionLines(v: unknown): string[] {
  if (v === null || typeof v !== "object") return [];
  const c = v as Partial<CacheAttribution>;
  if (typeof c.baseline !== "string" || typeof c.chain !== "string") return [];
  const per1000 = (x: number | null | undefined): string => (typeof x === "number" ? formatUsd(x * 1000) : "not measured");
  const costs = c.cost_per_request_usd;
  const lines = [
    `Per 1,000 requests (modeled): ${c.baseline} ${per1000(costs?.baseline)}, ${c.baseline_with_cache ?? "baseline with cache"} ${per1000(costs?.baseline_with_cache)}, ${c.chain} ${per1000(costs?.chain)}. ` +
      `The cache saves ${per1000(c.saved_by_cache_usd_per_request)}, the compact tier ${per1000(c.saved_by_compact_usd_per_request)}.`,
  ];
  if (typeof c.note === "string" && c.note !== "") lines.push(c.note);
  return lines;
}

export function buildRunFacts(results: PocResults): RunFactsView {
  const aborted = abortedOf(results);
  const warmup = results.warmup as { note?: unknown } | undefined;
  const notes = Array.isArray(results.run_notes) ? results.run_notes.filter((n): n is string => typeof n === "string" && n !== "") : [];
  return {
    aborted: aborted === null ? null : abortedText(aborted),
    warmupNote: typeof warmup?.note === "string" && warmup.note !== "" ? warmup.note : null,
    runNotes: notes,
    cacheAttribution: cacheAttributionLines(results.cache_attribution),
  };
}
