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
 */
import type { SweepPointResult, SweepRecommendation } from "../cascade/index.ts";
import { recommendThreshold } from "../cascade/index.ts";
import { formatShare } from "../report/format.ts";
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

/** The recommendation for one swept pipeline, from its sweep points. */
export function recommendationRecord(points: SweepPointResult[], ctx: RecommendationContext): RecommendationRecord {
  const rec = recommendThreshold(points, ctx.qualityTarget, ctx.assumedLlmQuality);
  const { note, ...figures } = rec;
  const base = { pipeline: ctx.pipeline, run_threshold: ctx.runThreshold ?? null, quality_target: ctx.qualityTarget, quality_metric: ctx.metric, reason: note };
  if (rec.threshold === null) return { ...base, ...figures, threshold: null };
  return {
    ...base,
    ...figures,
    threshold: rec.threshold,
    quality_note: qualityNote(rec, ctx),
    compact_quality_provenance: "measured",
    coverage_provenance: "measured",
    coverage_of: unitWord(ctx),
    escalation_rate_provenance: "measured",
    cost_provenance: "modeled",
    cost_note: costNote(rec, ctx),
  };
}
