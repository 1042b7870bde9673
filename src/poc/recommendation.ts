/**
 * The `recommendation` block of results.json: the sweep's chosen threshold for one chain pipeline, saying exactly what
 * is known about it, each figure with its own provenance key (as the sweep points have):
 *
 * - `quality` is the chain's quality: measured when every escalated unit's LLM answer is known, modeled only under a
 *   stated `sweep.assumed_llm_quality` (and then `assumed_llm_quality` says at what accuracy), otherwise null and
 *   `not_measured`. It is never the compact part's quality.
 * - `compact_quality` and `coverage` are the measured quality of the compact answers kept and the share of units kept.
 * - `cost_per_request_usd` is modeled (usage × price tables); `cost_note` says which prices and which usage.
 * - `basis` says why this threshold (src/cascade/sweep.ts), `reason` in words.
 * - The threshold is chosen on half of the items and every figure above is scored on the other half (src/poc/held-out.ts,
 *   `selection`), with 95% intervals there (`quality_ci95`, `compact_quality_ci95`, `cost_ci95`); `quality_verdict` and
 *   `statement` say whether the interval clears the target, or crosses it (too few items to conclude).
 */
import type { SweepRecommendation } from "../cascade/index.ts";
import { formatCount, formatShare } from "../report/format.ts";
import { qualityWords, ratioWords, type QualityWords } from "../report/uncertainty-words.ts";
import type { HeldOutRecommendation, VersusBaseline } from "./held-out.ts";
import type { ChainShape } from "./sweep-input.ts";

export interface RecommendationContext {
  pipeline: string;
  shape: ChainShape;
  tiers: ReadonlyArray<{ name: string; kind: string; modeled?: boolean }>;
  kind: "classify" | "extract";
  /** The metric the sweep scores (accuracy per request, or exact match per field). */
  metric: "accuracy" | "field_exact_match";
  qualityTarget: number;
  assumedLlmQuality: number | undefined;
  runThreshold: number | undefined;
  /** How each tier is priced ("CPU time at $0.0446/core-hour (...)"), from the meter; absent: not said. */
  describePrice?: (tier: string) => string | undefined;
}

export type RecommendationRecord = Record<string, unknown> & { pipeline: string; threshold: number | null; basis: SweepRecommendation["basis"]; reason: string };

/** Why the chain's quality has the provenance it has (the provenance itself is `quality_provenance`). */
function qualityNote(rec: SweepRecommendation, ctx: RecommendationContext): string {
  const llm = ctx.shape.llmTier;
  const escalated = rec.coverage === null ? "" : ` on the ${formatShare(1 - rec.coverage)} of ${unitWord(ctx)} escalated at this threshold`;
  if (rec.quality_provenance === "measured") return `the compact answers kept and ${llm}'s answers${escalated} were all scored`;
  if (rec.quality_provenance === "modeled") {
    return `${llm}'s unknown answers${escalated} are counted as correct at the assumed accuracy ${rec.assumed_llm_quality ?? "stated in the config"} (sweep.assumed_llm_quality): an assumption, not a measurement`;
  }
  const modeled = ctx.tiers.some((t) => t.name === llm && t.modeled === true);
  return `${llm}${modeled ? " is modeled, so its answers" : "'s answers"}${escalated} are unknown`;
}

/** What the modeled cost is made of: each tier's usage (measured or modeled) × the price the meter applied. */
function costNote(rec: SweepRecommendation, ctx: RecommendationContext): string {
  const llm = ctx.tiers.find((t) => t.name === ctx.shape.llmTier);
  const parts: string[] = [];
  for (const tier of ctx.tiers) {
    if (tier.kind === "cache") continue;
    const price = ctx.describePrice?.(tier.name) ?? "its price";
    // The compact tier's source already names what it prices ("CPU time at $…/core-hour").
    parts.push(tier.kind === "compact" ? `${tier.name}: measured ${price}` : `${tier.name}: ${tier.modeled === true ? "modeled" : "measured"} usage × ${price}`);
  }
  const share = rec.escalation_rate === null ? "" : `; ${llm?.name ?? "the LLM"} is called for ${formatShare(rec.escalation_rate)} of requests at this threshold`;
  const estimated = rec.cost_estimated ? "; the LLM cost of requests this run did not send it is the mean of the calls it made (an estimate)" : "";
  return `price tables applied to usage, not an invoice: ${parts.join(" + ")}${share}${estimated}; cache hits cost 0`;
}

function unitWord(ctx: RecommendationContext): string {
  return ctx.kind === "extract" ? "fields" : "requests";
}

/**
 * Where the recommendation stands against the target: on the chain's measured quality, else (the LLM's answers unknown) on
 * the compact answers kept, which is what the `compact_part_meets_target` basis rests on. A modeled quality has no
 * interval: its verdict is unknown.
 */
function verdictOf(held: HeldOutRecommendation, ctx: RecommendationContext): QualityWords {
  const rec = held.recommendation;
  if (rec.quality_provenance === "measured") return qualityWords("held-out chain quality", rec.quality, held.quality_ci95, held.scored_units, ctx.qualityTarget);
  if (rec.basis === "compact_part_meets_target" || rec.quality === null) {
    const words = qualityWords("held-out quality of the compact answers kept", rec.compact_quality, held.compact_quality_ci95, held.kept_units, ctx.qualityTarget);
    return { ...words, text: `${words.text}; the chain's quality is not measured` };
  }
  return { verdict: "unknown", text: `held-out chain quality ${formatShare(rec.quality)} (modeled under the assumed LLM accuracy: no interval)` };
}

/** The recommendation for one swept pipeline: chosen on one half of the items, scored on the other. */
export function recommendationRecord(held: HeldOutRecommendation, ctx: RecommendationContext): RecommendationRecord {
  const rec = held.recommendation;
  const { note, ...figures } = rec;
  const s = held.selection;
  const reason = `chosen on ${formatCount(s.chosen_on.items)} of the ${formatCount(s.chosen_on.items + s.scored_on.items)} items, scored on the other ${formatCount(s.scored_on.items)}: ${note}`;
  const base = { pipeline: ctx.pipeline, run_threshold: ctx.runThreshold ?? null, quality_target: ctx.qualityTarget, quality_metric: ctx.metric, reason, selection: held.selection };
  if (rec.threshold === null) return { ...base, ...figures, threshold: null, quality_verdict: "unknown", statement: `no recommended threshold: ${reason}` };
  const verdict = verdictOf(held, ctx);
  const toKwh = (joules: number): number => (joules * 1000) / 3.6e6;
  const kwh = held.energy_j === null ? null : toKwh(held.energy_j);
  return {
    ...base,
    ...figures,
    threshold: rec.threshold,
    quality_ci95: held.quality_ci95,
    compact_quality_ci95: held.compact_quality_ci95,
    cost_ci95: held.cost_ci95,
    ...(kwh === null ? {} : { kwh_per_1000: kwh, kwh_provenance: "modeled", kwh_ci95: held.energy_ci95 === null ? null : [toKwh(held.energy_ci95[0]), toKwh(held.energy_ci95[1])] }),
    ...(held.versus_baseline === null ? {} : { versus_baseline: versusBaselineRecord(held.versus_baseline, ctx.pipeline) }),
    quality_verdict: verdict.verdict,
    statement: `threshold ${rec.threshold}: ${verdict.text}`,
    quality_note: qualityNote(rec, ctx),
    compact_quality_provenance: "measured",
    coverage_provenance: "measured",
    coverage_of: unitWord(ctx),
    escalation_rate_provenance: "measured",
    cost_provenance: "modeled",
    cost_note: costNote(rec, ctx),
  };
}

/** The recommended point against the baseline, with each ratio's interval and the comparison in words. */
function versusBaselineRecord(v: VersusBaseline, pipeline: string): Record<string, unknown> {
  const n = { candidate: v.requests.pipeline, baseline: v.requests.baseline };
  const name = `${pipeline} at this threshold`;
  const cost = ratioWords({ name, baseline: v.baseline, factor: v.cost_cut_factor, interval: v.cost_cut_factor_ci95, n, what: "costs" });
  const kwh = ratioWords({ name, baseline: v.baseline, factor: v.kwh_cut_factor, interval: v.kwh_cut_factor_ci95, n, what: "energy" });
  return { ...v, ...(cost === null ? {} : { cost_statement: cost }), ...(kwh === null ? {} : { kwh_statement: kwh }) };
}
