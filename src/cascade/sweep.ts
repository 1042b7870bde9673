/**
 * The threshold sweep: what the compact → LLM chain would have cost and scored at other thresholds, replayed from one run
 * (every request's compact answer and confidence are recorded, even when the cascade passed them by).
 *
 * At threshold t a unit (a request; for extraction, one field of a request) keeps the compact answer when its confidence is
 * ≥ t and goes to the LLM otherwise. The compact part is always measured. The LLM part is measured only where the LLM's
 * answer for that unit is known (it was escalated in this run, or another pipeline asked the same LLM tier the same item);
 * where any escalated unit's LLM answer is unknown — always, when the LLM is modeled — the chain's quality is null, and
 * only a quality under a stated assumption (`assumedLlmQuality`) is given, marked `modeled`. A cache hit replays the
 * request it was cached from (same answer at each threshold, at the lookup's cost); a request a rule routed past the
 * compact tier keeps its answer and cost at every threshold.
 */

export interface SweepUnit {
  confidence: number;
  /** The compact answer was right; null when the unit has no gold. */
  compactCorrect: boolean | null;
  /** The LLM's answer was right; null when unknown or unscorable. */
  llmCorrect: boolean | null;
  /** Whether the LLM's answer for this unit is known (false: modeled, or never asked). */
  llmKnown: boolean;
}

export interface SweepRequest {
  /** Cost spent before the LLM (cache lookup, compact CPU), USD; for a fixed request, all it cost. */
  baseCostUsd: number;
  /** Cost of the one LLM call this request makes when any unit escalates, USD. */
  llmCostUsd: number;
  /** The LLM cost is an estimate (mean of observed calls), not this request's own. */
  llmCostEstimated: boolean;
  /**
   * A request whose answer does not depend on the threshold (a rule routed it past the compact tier; a cache hit with no
   * earlier request to replay). Counted in units; `unknown` units were answered by a modeled tier (no content), so they
   * make the chain's quality unknown like an escalated unit does.
   */
  fixed?: { correct: number; scored: number; unknown?: number };
  /**
   * A cache hit replaying the units of the earlier request it was cached from: at each threshold it answers what that
   * request answered, but calls nothing (its cost is the lookup) and is not the compact tier's work (no coverage).
   */
  cached?: boolean;
  units: SweepUnit[];
}

export interface SweepPointResult {
  threshold: number;
  /** Share of units the compact tier keeps (measured). */
  coverage: number;
  /** Share of requests that call the LLM (measured). */
  escalation_rate: number;
  /** The chain's quality, only when every escalated unit's LLM answer is known; else null. */
  quality: number | null;
  /** Provenance of `quality` itself: measured when known, not_measured when null. Never modeled. */
  quality_provenance: "measured" | "not_measured";
  /**
   * The chain's quality with the unknown LLM answers counted at `assumedLlmQuality` (always modeled). Null when no
   * assumption was stated, or when nothing was unknown (then `quality` is the measured figure).
   */
  quality_assumed: number | null;
  /** Quality of the compact answers kept, on the covered units (measured; it says nothing about the LLM's share). */
  compact_quality: number | null;
  /** Cost per request at this threshold (modeled: usage × price tables). */
  cost_per_request_usd: number | null;
  /** Some LLM costs are means of observed calls rather than the request's own. */
  cost_estimated: boolean;
}

/**
 * The recommended operating point, saying exactly what is known about it: the chain's quality (measured, modeled under a
 * stated assumption, or not measured), the measured quality and coverage of the compact answers kept, and the cost.
 */
export interface SweepRecommendation {
  threshold: number | null;
  /**
   * Why this threshold: `measured` (the chain's measured quality meets the target), `assumed_llm_quality` (it does with
   * the unknown LLM answers counted at the stated accuracy: modeled), `compact_part_meets_target` (the chain's quality is
   * unknown; the compact answers kept meet the target on their own, so the chain does if the LLM does on what it is sent),
   * or `none`.
   */
  basis: "measured" | "assumed_llm_quality" | "compact_part_meets_target" | "none";
  /** The chain's quality at this threshold; null when it is not measured. */
  quality: number | null;
  quality_provenance: "measured" | "modeled" | "not_measured";
  /** The accuracy the unknown LLM answers were counted at, when `basis` is `assumed_llm_quality`. */
  assumed_llm_quality?: number;
  /** Measured: the quality of the compact answers kept at this threshold, and the share of units they are. */
  compact_quality: number | null;
  coverage: number | null;
  escalation_rate: number | null;
  cost_per_request_usd: number | null;
  cost_estimated: boolean;
  note: string;
}

export function defaultThresholds(extra: readonly number[] = []): number[] {
  const grid = Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100);
  return [...new Set([...grid, ...extra.map((t) => Math.round(t * 1e4) / 1e4)])].sort((a, b) => a - b);
}

/** Running counts of one sweep point. */
class Tally {
  units = 0;
  covered = 0;
  coveredScored = 0;
  coveredCorrect = 0;
  scored = 0;
  correct = 0;
  assumedCorrect = 0;
  unknown = false;
  constructor(private readonly assumedLlmQuality: number | undefined) {}

  /** A unit answered by the compact tier (`kept`) or by the LLM; `compactWork`: it counts in coverage. */
  unit(unit: SweepUnit, kept: boolean, compactWork: boolean): void {
    if (compactWork) this.units++;
    if (kept && compactWork) this.covered++;
    if (unit.compactCorrect === null) return; // no gold: unscorable whoever answers
    this.scored++;
    if (kept) {
      if (compactWork) this.coveredScored++;
      if (unit.compactCorrect) this.right(compactWork);
    } else if (!unit.llmKnown) this.unknownAnswers(1);
    else if (unit.llmCorrect === true) this.right(false);
  }

  fixed(fixed: NonNullable<SweepRequest["fixed"]>): void {
    this.scored += fixed.scored + (fixed.unknown ?? 0);
    this.correct += fixed.correct;
    this.assumedCorrect += fixed.correct;
    this.unknownAnswers(fixed.unknown ?? 0);
  }

  private right(covered: boolean): void {
    this.correct++;
    this.assumedCorrect++;
    if (covered) this.coveredCorrect++;
  }

  private unknownAnswers(count: number): void {
    if (count === 0) return;
    this.unknown = true;
    if (this.assumedLlmQuality !== undefined) this.assumedCorrect += count * this.assumedLlmQuality;
  }
}

export function sweepThresholds(requests: readonly SweepRequest[], thresholds: readonly number[], assumedLlmQuality?: number): SweepPointResult[] {
  return thresholds.map((threshold) => {
    const tally = new Tally(assumedLlmQuality);
    let escalatedRequests = 0;
    let live = 0;
    let cost = 0;
    let costEstimated = false;
    for (const request of requests) {
      cost += request.baseCostUsd;
      if (request.fixed !== undefined) {
        tally.fixed(request.fixed);
        continue;
      }
      const compactWork = request.cached !== true;
      let escalates = false;
      for (const unit of request.units) {
        const kept = unit.confidence >= threshold;
        if (!kept) escalates = true;
        tally.unit(unit, kept, compactWork);
      }
      if (!compactWork) continue; // a cache hit calls nothing, whatever its original did
      live++;
      if (escalates) {
        escalatedRequests++;
        cost += request.llmCostUsd;
        if (request.llmCostEstimated) costEstimated = true;
      }
    }
    const { units, covered, coveredScored, coveredCorrect, scored, correct, assumedCorrect, unknown } = tally;
    return {
      threshold,
      coverage: units === 0 ? 0 : covered / units,
      escalation_rate: live === 0 ? 0 : escalatedRequests / live,
      quality: unknown || scored === 0 ? null : correct / scored,
      quality_provenance: unknown || scored === 0 ? "not_measured" : "measured",
      quality_assumed: !unknown || assumedLlmQuality === undefined || scored === 0 ? null : assumedCorrect / scored,
      compact_quality: coveredScored === 0 ? null : coveredCorrect / coveredScored,
      cost_per_request_usd: requests.length === 0 ? null : cost / requests.length,
      cost_estimated: costEstimated,
    };
  });
}

function cheapest(points: SweepPointResult[], quality: (p: SweepPointResult) => number | null, target: number): SweepPointResult | undefined {
  return points
    .filter((p) => (quality(p) ?? -1) >= target && p.cost_per_request_usd !== null)
    .sort((a, b) => (a.cost_per_request_usd as number) - (b.cost_per_request_usd as number) || (quality(b) ?? 0) - (quality(a) ?? 0))[0];
}

/**
 * The cheapest threshold that meets the quality target, on the best basis available: measured chain quality; else the
 * stated LLM-quality assumption (modeled); else the threshold at which the compact answers kept meet the target on their
 * own — sufficient for the chain to meet it if the LLM meets it on what it is sent, which is stated as the condition. The
 * chain's quality is reported as what it is on that basis (measured, modeled, or null), never as the compact part's.
 */
export function recommendThreshold(points: SweepPointResult[], target: number, assumedLlmQuality?: number): SweepRecommendation {
  const pick = (p: SweepPointResult, basis: SweepRecommendation["basis"], note: string): SweepRecommendation => {
    const assumed = p.quality === null && p.quality_assumed !== null;
    return {
      threshold: p.threshold,
      basis,
      quality: p.quality ?? p.quality_assumed,
      quality_provenance: p.quality !== null ? "measured" : assumed ? "modeled" : "not_measured",
      ...(assumed && assumedLlmQuality !== undefined ? { assumed_llm_quality: assumedLlmQuality } : {}),
      compact_quality: p.compact_quality,
      coverage: p.coverage,
      escalation_rate: p.escalation_rate,
      cost_per_request_usd: p.cost_per_request_usd,
      cost_estimated: p.cost_estimated,
      note,
    };
  };
  const none = (note: string): SweepRecommendation => ({
    threshold: null,
    basis: "none",
    quality: null,
    quality_provenance: "not_measured",
    compact_quality: null,
    coverage: null,
    escalation_rate: null,
    cost_per_request_usd: null,
    cost_estimated: false,
    note,
  });
  const measured = cheapest(points.filter((p) => p.quality !== null), (p) => p.quality, target);
  if (measured !== undefined) return pick(measured, "measured", `the cheapest threshold whose measured chain quality meets ${target}`);
  if (points.length > 0 && points.every((p) => p.quality !== null)) {
    // Every threshold's chain quality was measured (the LLM's answers are known) and none meets the target: no weaker basis
    // may overrule that measurement.
    const best = points.reduce((a, b) => ((b.quality as number) > (a.quality as number) ? b : a));
    return none(`no threshold's measured chain quality reaches ${target} (best: ${(best.quality as number).toFixed(3)} at threshold ${best.threshold})`);
  }
  if (points.some((p) => p.quality_assumed !== null)) {
    // An assumption was stated: it decides. (Falling back to the compact-only condition would contradict it.)
    const assumed = cheapest(points, (p) => p.quality ?? p.quality_assumed, target);
    if (assumed === undefined) return none(`no threshold reaches the quality target ${target} under the stated LLM-quality assumption`);
    return pick(assumed, "assumed_llm_quality", `the cheapest threshold meeting ${target} with the LLM's unknown answers counted at the assumed accuracy ${assumedLlmQuality ?? "stated in the config"} (modeled, not measured)`);
  }
  const sufficient = cheapest(points, (p) => p.compact_quality, target);
  if (sufficient !== undefined) {
    return pick(
      sufficient,
      "compact_part_meets_target",
      `the chain's quality is not measured (the LLM's answers are unknown); at this threshold the compact answers kept meet ${target} on their own (measured), so the chain meets it if the LLM does on the units it is sent — measure the LLM to confirm`,
    );
  }
  return none(`no threshold reaches the quality target ${target}`);
}
