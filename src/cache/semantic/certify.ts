/**
 * The certified acceptance threshold of the semantic cache: the lowest verifier score λ such that, with confidence 1 − α,
 * wrong hits / lookups ≤ δ for lookups exchangeable with the calibration lookups.
 *
 * The risk is counted over ALL lookups (what `frugal eval cache` reports as wrong_hit_rate), not among hits: each
 * calibration lookup is a Bernoulli trial "this lookup returned a wrong answer at λ", so its wrong-hit count is
 * Binomial(n, R(λ)) and P(Bin(n, δ) ≤ wrong(λ)) is a valid p-value for "R(λ) > δ" — the same binomial test as the
 * classifier's Learn-then-Test (src/compact/threshold.ts), on a different risk. R(λ) only grows as λ falls, so the
 * fixed sequence starts at the top of the same fixed grid (where nothing is accepted and the test passes whenever n is
 * large enough) and stops at the first threshold it cannot reject: family-wise error ≤ α with no multiplicity correction.
 */
import { binomialCdf, clopperPearsonUpper, minimumCertifiableCount } from "../../compact/binomial.ts";
import { countsAlongGrid, defaultThresholdGrid } from "../../compact/threshold.ts";

export interface WrongHitCertificate {
  /** Accept a hit when the verifier's score ≥ threshold; +Infinity when none could be certified (never hit). */
  threshold: number;
  certified: boolean;
  maxWrongHitRate: number;
  confidenceLevel: number;
  lookups: number;
  hits: number;
  wrongHits: number;
  /** Clopper-Pearson upper bound (level α) on wrong hits / lookups at the threshold. */
  wrongHitUpperBound: number;
  tested: number;
  method: "ltt-fixed-sequence-binomial-per-lookup";
}

/** The fewest calibration lookups that could certify δ at all (zero wrong hits needed). */
export function minimumCalibrationLookups(maxWrongHitRate: number, confidenceLevel: number): number {
  return minimumCertifiableCount(maxWrongHitRate, 1 - confidenceLevel);
}

export function certifyWrongHitRate(input: {
  /** The verifier's best score per calibration lookup. */
  scores: ArrayLike<number>;
  /** 1 when that lookup's best candidate is a wrong answer (a hit there would be a wrong hit). */
  wrong: ArrayLike<number>;
  maxWrongHitRate: number;
  confidenceLevel: number;
  grid?: ArrayLike<number>;
}): WrongHitCertificate {
  const { scores, wrong, maxWrongHitRate: delta, confidenceLevel } = input;
  const grid = input.grid ?? defaultThresholdGrid();
  const n = scores.length;
  const alpha = 1 - confidenceLevel;
  // The risk is wrong hits over ALL lookups (not over hits, as the classifier's kept error): the same counts, another n.
  const { keptAt, flaggedAt } = countsAlongGrid(scores, (i) => wrong[i] === 1, grid);
  let tested = 0;
  let chosen: { threshold: number; hits: number; wrongHits: number } | undefined;
  for (let g = 0; g < grid.length; g++) {
    const lambda = grid[g] as number;
    const hits = keptAt[g] as number;
    const wrongHits = flaggedAt[g] as number;
    tested++;
    if (n === 0 || binomialCdf(wrongHits, n, delta) > alpha) break;
    chosen = { threshold: lambda, hits, wrongHits };
  }
  const base = { maxWrongHitRate: delta, confidenceLevel, lookups: n, tested, method: "ltt-fixed-sequence-binomial-per-lookup" as const };
  if (chosen === undefined) return { ...base, threshold: Number.POSITIVE_INFINITY, certified: false, hits: 0, wrongHits: 0, wrongHitUpperBound: 1 };
  return { ...base, ...chosen, certified: true, wrongHitUpperBound: clopperPearsonUpper(chosen.wrongHits, n, alpha) };
}
