/**
 * The threshold sweep: what the compact → LLM chain would have cost and scored at other thresholds, replayed from one run
 * (every request's compact answer and confidence are recorded, even when the cascade passed them by).
 *
 * At threshold t a unit (a request; for extraction, one field of a request) keeps the compact answer when its confidence is
 * ≥ t and goes to the LLM otherwise. The compact part is always measured. The LLM part is measured only where the LLM's
 * answer for that unit is known (it was escalated in this run, or another pipeline asked the same LLM tier the same item);
 * where any escalated unit's LLM answer is unknown — always, when the LLM is modeled — the chain's quality is null, and
 * only a quality under a stated assumption (`assumedLlmQuality`) is given, marked `modeled`. Cache hits keep their answer
 * and zero cost at every threshold (approximation: a different threshold would have cached different answers).
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
  /** Cost spent before the LLM (cache lookup, compact CPU), USD. */
  baseCostUsd: number;
  /** Cost of the one LLM call this request makes when any unit escalates, USD. */
  llmCostUsd: number;
  /** The LLM cost is an estimate (mean of observed calls), not this request's own. */
  llmCostEstimated: boolean;
  /** A cache hit: fixed answer and cost, whatever the threshold. */
  fixed?: { correct: number; scored: number };
  units: SweepUnit[];
}

export interface SweepPointResult {
  threshold: number;
  /** Share of units the compact tier keeps. */
  coverage: number;
  /** Share of requests that call the LLM. */
  escalation_rate: number;
  /** Chain quality, when every escalated unit's LLM answer is known (measured). */
  quality: number | null;
  quality_provenance: "measured" | "modeled" | "not_measured";
  /** Quality under `assumedLlmQuality` for unknown LLM answers (modeled), when an assumption is given. */
  quality_assumed: number | null;
  /** Quality of the compact answers kept (measured), on the covered units. */
  compact_quality: number | null;
  cost_per_request_usd: number | null;
  /** Some LLM costs are means of observed calls rather than the request's own. */
  cost_estimated: boolean;
}

export interface SweepRecommendation {
  threshold: number | null;
  basis: "measured" | "assumed_llm_quality" | "compact_part_meets_target" | "none";
  provenance: "measured" | "modeled" | "not_measured";
  quality: number | null;
  coverage: number | null;
  cost_per_request_usd: number | null;
  note: string;
}

export function defaultThresholds(extra: readonly number[] = []): number[] {
  const grid = Array.from({ length: 21 }, (_, i) => Math.round(i * 5) / 100);
  return [...new Set([...grid, ...extra.map((t) => Math.round(t * 1e4) / 1e4)])].sort((a, b) => a - b);
}

export function sweepThresholds(requests: readonly SweepRequest[], thresholds: readonly number[], assumedLlmQuality?: number): SweepPointResult[] {
  return thresholds.map((threshold) => {
    let units = 0;
    let covered = 0;
    let escalatedRequests = 0;
    let coveredScored = 0;
    let coveredCorrect = 0;
    let scored = 0;
    let correct = 0;
    let assumedCorrect = 0;
    let unknown = false;
    let cost = 0;
    let costEstimated = false;
    for (const request of requests) {
      if (request.fixed !== undefined) {
        scored += request.fixed.scored;
        correct += request.fixed.correct;
        assumedCorrect += request.fixed.correct;
        continue;
      }
      cost += request.baseCostUsd;
      let escalates = false;
      for (const unit of request.units) {
        units++;
        const keep = unit.confidence >= threshold;
        if (keep) {
          covered++;
          if (unit.compactCorrect === null) continue;
          coveredScored++;
          scored++;
          if (unit.compactCorrect) {
            coveredCorrect++;
            correct++;
            assumedCorrect++;
          }
          continue;
        }
        escalates = true;
        if (unit.compactCorrect === null) continue; // no gold: unscorable whoever answers
        scored++;
        if (!unit.llmKnown) {
          unknown = true;
          assumedCorrect += assumedLlmQuality ?? 0;
          continue;
        }
        if (unit.llmCorrect === true) {
          correct++;
          assumedCorrect++;
        }
      }
      if (escalates) {
        escalatedRequests++;
        cost += request.llmCostUsd;
        if (request.llmCostEstimated) costEstimated = true;
      }
    }
    const live = requests.filter((r) => r.fixed === undefined).length;
    return {
      threshold,
      coverage: units === 0 ? 0 : covered / units,
      escalation_rate: live === 0 ? 0 : escalatedRequests / live,
      quality: unknown || scored === 0 ? null : correct / scored,
      quality_provenance: unknown ? (assumedLlmQuality === undefined ? "not_measured" : "modeled") : "measured",
      quality_assumed: assumedLlmQuality === undefined || scored === 0 ? null : assumedCorrect / scored,
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
 * own — sufficient for the chain to meet it if the LLM meets it on what it is sent, which is stated as the condition.
 */
export function recommendThreshold(points: SweepPointResult[], target: number): SweepRecommendation {
  const pick = (p: SweepPointResult, basis: SweepRecommendation["basis"], provenance: SweepRecommendation["provenance"], quality: number | null, note: string): SweepRecommendation => ({
    threshold: p.threshold,
    basis,
    provenance,
    quality,
    coverage: p.coverage,
    cost_per_request_usd: p.cost_per_request_usd,
    note,
  });
  const measuredPoints = points.filter((p) => p.quality_provenance === "measured");
  const measured = cheapest(measuredPoints, (p) => p.quality, target);
  if (measured !== undefined) return pick(measured, "measured", "measured", measured.quality, `cheapest threshold whose measured chain quality meets ${target}`);
  if (points.some((p) => p.quality_assumed !== null)) {
    // An assumption was stated: it decides. (Falling back to the compact-only condition would contradict it.)
    const assumed = cheapest(points, (p) => (p.quality_provenance === "measured" ? p.quality : p.quality_assumed), target);
    if (assumed !== undefined) {
      return pick(assumed, "assumed_llm_quality", assumed.quality_provenance === "measured" ? "measured" : "modeled", assumed.quality ?? assumed.quality_assumed, `cheapest threshold meeting ${target} under the stated LLM-quality assumption (modeled)`);
    }
    return { threshold: null, basis: "none", provenance: "modeled", quality: null, coverage: null, cost_per_request_usd: null, note: `no threshold reaches the quality target ${target} under the stated LLM-quality assumption` };
  }
  const sufficient = cheapest(points, (p) => p.compact_quality, target);
  if (sufficient !== undefined) {
    return pick(
      sufficient,
      "compact_part_meets_target",
      "modeled",
      sufficient.compact_quality,
      `the LLM's quality is not measured: at this threshold the compact answers kept (${(sufficient.coverage * 100).toFixed(1)}% of units) meet ${target} on their own (measured), so the chain meets it if the LLM does on the rest — measure the LLM to confirm`,
    );
  }
  return { threshold: null, basis: "none", provenance: "not_measured", quality: null, coverage: null, cost_per_request_usd: null, note: `no threshold reaches the quality target ${target}` };
}
