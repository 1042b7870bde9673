/**
 * The recommended threshold is not graded on the data that picked it. The items are split in two by a seeded hash of their
 * id (every request of an item, cache hits included, falls in the same half): the threshold is chosen on the sweep of the
 * first half, then its quality, coverage, cost and energy are replayed on the second half, with 95% intervals there.
 * Choosing the cheapest threshold that clears a target on the same items always flatters it (the pick rides the noise of
 * those items); the other half has no such bias, and its interval is what says whether the target is met.
 */
import { recommendThreshold, sweepThresholds, type SweepPointResult, type SweepRecommendation, type SweepRequest } from "../cascade/index.ts";
import { bootstrapRatioOf, bootstrapStatistic, widest, wilson, type Interval } from "../results/intervals.ts";
import type { RecommendationSelection } from "../results/types.ts";

/** The split's seed: fixed, so a rerun over the same records recommends the same threshold. */
export const SPLIT_SEED = 20_240_909;

export interface HeldOutInput {
  /** Sweep requests (cost in USD) and the same requests costed in joules, both aligned with `items`. */
  requests: readonly SweepRequest[];
  energy: readonly SweepRequest[];
  items: readonly string[];
  thresholds: readonly number[];
  target: number;
  assumedLlmQuality: number | undefined;
  /** Units are fields of one document (extract): their successes are correlated, so the interval is also bootstrapped. */
  clustered: boolean;
  seed?: number;
  /** The baseline pipeline's per-request cost (USD) and energy (J), to compare the recommended point with. */
  baseline?: { name: string; costs: number[] | null; energies: number[] | null };
}

/** The recommended point against the baseline: baseline / recommended, with intervals (both sides resampled). */
export interface VersusBaseline {
  baseline: string;
  cost_cut_factor: number | null;
  cost_cut_factor_ci95: Interval | null;
  kwh_cut_factor: number | null;
  kwh_cut_factor_ci95: Interval | null;
  requests: { pipeline: number; baseline: number };
}

export interface HeldOutRecommendation {
  /** The choice (made on the selection half) with its figures replaced by the held-out half's. */
  recommendation: SweepRecommendation;
  selection: RecommendationSelection;
  quality_ci95: Interval | null;
  compact_quality_ci95: Interval | null;
  cost_ci95: Interval | null;
  /** Joules per request at the threshold, on the held-out half. */
  energy_j: number | null;
  energy_ci95: Interval | null;
  versus_baseline: VersusBaseline | null;
  /** Units the quality is scored on in the held-out half. */
  scored_units: number;
  kept_units: number;
}

/** FNV-1a of seed + id: a stable, platform-independent order of the items. */
function hashOf(id: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The items of the selection half: the first ceil(n/2) distinct ids in hash order. */
export function selectionHalf(items: readonly string[], seed = SPLIT_SEED): Set<string> {
  const distinct = [...new Set(items)].sort((a, b) => hashOf(a, seed) - hashOf(b, seed) || (a < b ? -1 : 1));
  return new Set(distinct.slice(0, Math.ceil(distinct.length / 2)));
}

/** Units scored at any threshold, and units the compact tier keeps at `threshold` and that are scored. */
function unitCounts(requests: readonly SweepRequest[], threshold: number): { scored: number; kept: number } {
  let scored = 0;
  let kept = 0;
  for (const r of requests) {
    if (r.fixed !== undefined) {
      scored += r.fixed.scored + (r.fixed.unknown ?? 0);
      continue;
    }
    for (const u of r.units) {
      if (u.compactCorrect === null) continue;
      scored++;
      if (r.cached !== true && u.confidence >= threshold) kept++;
    }
  }
  return { scored, kept };
}

/** Wilson on the units; for clustered units, widened to the bootstrap over requests when that is wider. */
function shareInterval(value: number | null, n: number, requests: readonly SweepRequest[], clustered: boolean, pick: (p: SweepPointResult) => number | null, threshold: number, assumed: number | undefined): Interval | null {
  if (value === null || n === 0) return null;
  const units = wilson(Math.round(value * n), n);
  if (!clustered) return units;
  return widest(units, bootstrapStatistic(requests.length, (idx) => pick(sweepPoint(Array.from(idx, (i) => requests[i] as SweepRequest), threshold, assumed))));
}

function sweepPoint(requests: readonly SweepRequest[], threshold: number, assumed: number | undefined): SweepPointResult {
  return sweepThresholds(requests, [threshold], assumed)[0] as SweepPointResult;
}

export function heldOutRecommendation(input: HeldOutInput): HeldOutRecommendation {
  const seed = input.seed ?? SPLIT_SEED;
  const chosenItems = selectionHalf(input.items, seed);
  const inA = input.items.map((id) => chosenItems.has(id));
  const half = <T>(rows: readonly T[], a: boolean): T[] => rows.filter((_, i) => inA[i] === a);
  const [chooseOn, scoreOn, energyOn] = [half(input.requests, true), half(input.requests, false), half(input.energy, false)];
  const distinct = new Set(input.items).size;
  const chosen = recommendThreshold(sweepThresholds(chooseOn, input.thresholds, input.assumedLlmQuality), input.target, input.assumedLlmQuality);
  const selection: RecommendationSelection = {
    method: "split_by_item",
    seed,
    chosen_on: { items: chosenItems.size, requests: chooseOn.length },
    scored_on: { items: distinct - chosenItems.size, requests: scoreOn.length },
    chosen_on_quality: chosen.quality,
    chosen_on_compact_quality: chosen.compact_quality,
    note: "the threshold is chosen on the first half of the items (seeded split by item id) and its figures are scored on the other half",
  };
  const empty = { selection, quality_ci95: null, compact_quality_ci95: null, cost_ci95: null, energy_j: null, energy_ci95: null, versus_baseline: null, scored_units: 0, kept_units: 0 };
  if (chosen.threshold === null) return { ...empty, recommendation: chosen };
  const t = chosen.threshold;
  if (scoreOn.length === 0) {
    const nothing = { quality: null, quality_provenance: "not_measured" as const, compact_quality: null, coverage: null, escalation_rate: null, cost_per_request_usd: null };
    return { ...empty, recommendation: { ...chosen, ...nothing, note: `${chosen.note}; no items are left to score it on` } };
  }
  const point = sweepPoint(scoreOn, t, input.assumedLlmQuality);
  const assumed = point.quality === null && point.quality_assumed !== null;
  const recommendation: SweepRecommendation = {
    ...chosen,
    quality: point.quality ?? point.quality_assumed,
    quality_provenance: point.quality !== null ? "measured" : assumed ? "modeled" : "not_measured",
    compact_quality: point.compact_quality,
    coverage: point.coverage,
    escalation_rate: point.escalation_rate,
    cost_per_request_usd: point.cost_per_request_usd,
    cost_estimated: point.cost_estimated,
  };
  const counts = unitCounts(scoreOn, t);
  const quality = recommendation.quality_provenance === "measured" ? recommendation.quality : null;
  // Cost and energy at the threshold on one resample of the held-out requests: the sweep replayed on it.
  const costAt = (rows: readonly SweepRequest[]) => (idx: Uint32Array) => sweepPoint(Array.from(idx, (i) => rows[i] as SweepRequest), t, undefined).cost_per_request_usd;
  const energyJ = energyOn.length === 0 ? null : sweepPoint(energyOn, t, undefined).cost_per_request_usd;
  return {
    recommendation,
    selection,
    quality_ci95: shareInterval(quality, counts.scored, scoreOn, input.clustered, (p) => p.quality, t, input.assumedLlmQuality),
    compact_quality_ci95: shareInterval(point.compact_quality, counts.kept, scoreOn, input.clustered, (p) => p.compact_quality, t, input.assumedLlmQuality),
    cost_ci95: bootstrapStatistic(scoreOn.length, costAt(scoreOn)),
    energy_j: energyJ,
    energy_ci95: energyOn.length === 0 ? null : bootstrapStatistic(energyOn.length, costAt(energyOn)),
    versus_baseline: input.baseline === undefined ? null : versusBaseline(input.baseline, recommendation.cost_per_request_usd, energyJ, scoreOn, energyOn, costAt),
    scored_units: counts.scored,
    kept_units: counts.kept,
  };
}

function mean(values: readonly number[], idx?: Uint32Array): number {
  if (idx === undefined) return values.reduce((a, b) => a + b, 0) / values.length;
  let sum = 0;
  for (const i of idx) sum += values[i] as number;
  return sum / idx.length;
}

function versusBaseline(
  baseline: NonNullable<HeldOutInput["baseline"]>,
  cost: number | null,
  energyJ: number | null,
  scoreOn: readonly SweepRequest[],
  energyOn: readonly SweepRequest[],
  at: (rows: readonly SweepRequest[]) => (idx: Uint32Array) => number | null,
): VersusBaseline {
  const cut = (values: number[] | null, own: number | null, rows: readonly SweepRequest[]): { factor: number | null; ci: Interval | null } => {
    if (values === null || values.length === 0 || own === null || own === 0) return { factor: null, ci: null };
    return { factor: mean(values) / own, ci: bootstrapRatioOf(values.length, (idx) => mean(values, idx), rows.length, at(rows)) };
  };
  const c = cut(baseline.costs, cost, scoreOn);
  const e = cut(baseline.energies, energyJ, energyOn);
  return {
    baseline: baseline.name,
    cost_cut_factor: c.factor,
    cost_cut_factor_ci95: c.ci,
    kwh_cut_factor: e.factor,
    kwh_cut_factor_ci95: e.ci,
    requests: { pipeline: scoreOn.length, baseline: baseline.costs?.length ?? 0 },
  };
}
