/**
 * The error-bounded escalation threshold (Learn-then-Test, fixed-sequence testing).
 *
 * The user asks: "among the answers the compact model keeps, at most ε wrong, with confidence 1 − δ". For a threshold λ,
 * H_λ says "the error rate of kept answers (confidence ≥ λ) is above ε". Given how many calibration items λ keeps (n), those
 * items are i.i.d. draws from the kept population, so their errors e are Binomial(n, risk(λ)) and P(Bin(n, ε) ≤ e) is a
 * valid p-value for H_λ. Thresholds are tested from high to low along a grid fixed in advance, stopping at the first one that
 * cannot be rejected at level δ; fixed-sequence testing keeps the chance of certifying any bad threshold ≤ δ although many
 * were scanned (a plain per-threshold Clopper-Pearson scan would not: it picks its best-looking λ among hundreds of tries).
 *
 * The sequence must start where a test can succeed: at the very top almost nothing is kept and even zero errors prove
 * nothing, so the procedure would stop at once. Starts are chosen without the calibration labels: from an independent split
 * when the caller has one (fully rigorous: the order of the hypotheses is fixed before the calibration data is looked at),
 * otherwise from the calibration confidences alone. The trainer runs two sequences at δ/2 each (Bonferroni): one from a
 * count rule (`labelFreeStart`), one planned with the independent split's labels (`plannedStart`). In simulations where the
 * truth is known (threshold.test.ts, bench/notes/compact.md), the pair lost little to the better single start in each
 * scenario and avoided the failures of each (a count-rule start stops at once when label noise puts a few errors among the
 * most confident items; a planned start is sometimes too bold).
 */
import { binomialCdf, clopperPearsonUpper, minimumCertifiableCount } from "./binomial.ts";

/** Fixed threshold grid, descending: 1 − 10^−u for u from 4 to 0 in steps of 0.005 (fine near 1, where ε lives). */
export function defaultThresholdGrid(): Float64Array {
  const grid = new Float64Array(801);
  for (let i = 0; i <= 800; i++) grid[i] = 1 - 10 ** -(4 - i * 0.005);
  return grid;
}

/**
 * How many items each grid threshold keeps (score ≥ λ) and how many of those are flagged (wrong), for every grid point at
 * once: one sort and one walk down the descending grid. What every fixed-sequence test here and in the semantic cache's
 * certificate (src/cache/semantic/certify.ts) reads its binomial counts from.
 */
export function countsAlongGrid(scores: ArrayLike<number>, flagged: (i: number) => boolean, grid: ArrayLike<number>): { keptAt: Int32Array; flaggedAt: Int32Array } {
  const n = scores.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const keptAt = new Int32Array(grid.length);
  const flaggedAt = new Int32Array(grid.length);
  let kept = 0;
  let count = 0;
  for (let g = 0; g < grid.length; g++) {
    while (kept < n && (scores[order[kept] as number] as number) >= (grid[g] as number)) {
      if (flagged(order[kept] as number)) count++;
      kept++;
    }
    keptAt[g] = kept;
    flaggedAt[g] = count;
  }
  return { keptAt, flaggedAt };
}

/**
 * The start planned with labels from an independent split: the grid threshold whose test is predicted to pass most surely
 * (smallest binomial p-value) if the calibration set looked like this split, scaled to its size. Robust to a few errors
 * among the most confident items (label noise), where the count rule of `labelFreeStart` starts too high and stops at once.
 */
export function plannedStart(input: {
  confidences: ArrayLike<number>;
  correct: ArrayLike<number>;
  calibrationSize: number;
  maxError: number;
  grid?: ArrayLike<number>;
}): number {
  const grid = input.grid ?? defaultThresholdGrid();
  const n = input.confidences.length;
  if (n === 0 || input.calibrationSize === 0) return grid[0] as number;
  const { keptAt, flaggedAt } = countsAlongGrid(input.confidences, (i) => !input.correct[i], grid);
  const scale = input.calibrationSize / n;
  let best = { pValue: Number.POSITIVE_INFINITY, lambda: grid[0] as number };
  for (let g = 0; g < grid.length; g++) {
    const lambda = grid[g] as number;
    const kept = keptAt[g] as number;
    const errors = flaggedAt[g] as number;
    if (kept === 0) continue;
    const predicted = Math.round(kept * scale);
    // Laplace-smoothed error rate: a handful of error-free items must not look like a sure pass.
    const pValue = binomialCdf(Math.round(((errors + 1) / (kept + 2)) * predicted), predicted, input.maxError);
    if (pValue < best.pValue) best = { pValue, lambda };
  }
  return best.lambda;
}

export interface ThresholdSelectionInput {
  /** Calibrated confidence per calibration item. */
  confidences: ArrayLike<number>;
  /** 1 if the item's prediction was right. */
  correct: ArrayLike<number>;
  /** ε: the highest acceptable error rate among kept answers. */
  maxError: number;
  /** 1 − δ. */
  confidenceLevel: number;
  /** First threshold to test, chosen without these labels. Default: see `labelFreeStart`. */
  startThreshold?: number;
  /** Several starts, each its own fixed sequence at level δ / starts (overrides `startThreshold`). */
  startThresholds?: number[];
  grid?: ArrayLike<number>;
}

export interface ThresholdSelection {
  /** Keep answers with confidence ≥ threshold. +Infinity when no threshold could be certified: escalate everything. */
  threshold: number;
  certified: boolean;
  /** Share of calibration items kept at the threshold (the expected coverage). */
  coverage: number;
  kept: number;
  errors: number;
  /** Clopper-Pearson upper bound (at the level its sequence was tested at) on the kept error rate at the threshold. */
  errorUpperBound: number;
  calibrationSize: number;
  maxError: number;
  confidenceLevel: number;
  /** The start of the sequence that certified the threshold (the first start when none did). */
  startThreshold: number;
  /** Every start; each sequence was tested at level δ / starts.length. */
  starts: number[];
  /** How many thresholds were tested, over all sequences. */
  tested: number;
  method: "ltt-fixed-sequence-binomial";
}

/**
 * The label-free start: the highest grid threshold keeping about twice the minimum certifiable count — high enough that the
 * kept items are the most reliable ones, low enough that a few errors among them can still pass. `confidences` may come from
 * the calibration split itself (label-free: valid when the kept error rate does not rise with the threshold) or from an
 * independent split scaled to the calibration size (`calibrationSize`), which needs no assumption at all.
 */
export function labelFreeStart(
  confidences: ArrayLike<number>,
  maxError: number,
  confidenceLevel: number,
  options: { grid?: ArrayLike<number>; calibrationSize?: number } = {},
): number {
  const grid = options.grid ?? defaultThresholdGrid();
  const calibrationSize = options.calibrationSize ?? confidences.length;
  const minimum = minimumCertifiableCount(maxError, 1 - confidenceLevel);
  // Small calibration sets cannot afford 2× the minimum: at most half of the set, never below the minimum. (Three quarters
  // started too low when the start is placed on another model's scores: the extractor's cross-validation models are less
  // confident than the served model, so a start placed for 75% of the calibration set kept 78% of it, errors included,
  // and its first test failed; issue 9.)
  const needed = Math.min(2 * minimum, Math.max(minimum, Math.round(0.5 * calibrationSize)));
  const scale = confidences.length === 0 ? 0 : calibrationSize / confidences.length;
  const sorted = Float64Array.from(confidences).sort().reverse();
  let kept = 0;
  for (let g = 0; g < grid.length; g++) {
    const lambda = grid[g] as number;
    while (kept < sorted.length && (sorted[kept] as number) >= lambda) kept++;
    if (kept * scale >= needed) return lambda;
  }
  return grid[grid.length - 1] as number;
}

export function selectThreshold(input: ThresholdSelectionInput): ThresholdSelection {
  const { maxError, confidenceLevel } = input;
  const grid = input.grid ?? defaultThresholdGrid();
  const n = input.confidences.length;
  const starts = [...new Set(input.startThresholds ?? [input.startThreshold ?? labelFreeStart(input.confidences, maxError, confidenceLevel, { grid })])];
  // Several sequences share δ (Bonferroni): each controls its family-wise error at δ/m, so all together at δ.
  const level = (1 - confidenceLevel) / starts.length;
  // kept/errors at every grid threshold, computed once for all sequences.
  const { keptAt, flaggedAt: errorsAt } = countsAlongGrid(input.confidences, (i) => !input.correct[i], grid);
  let tested = 0;
  let chosen: { g: number; start: number } | undefined;
  for (const start of starts) {
    for (let g = 0; g < grid.length; g++) {
      if ((grid[g] as number) > start) continue;
      tested++;
      const k = keptAt[g] as number;
      const pValue = k === 0 ? 1 : binomialCdf(errorsAt[g] as number, k, maxError);
      if (pValue > level) break;
      if (chosen === undefined || g > chosen.g) chosen = { g, start };
    }
  }
  const base = { calibrationSize: n, maxError, confidenceLevel, starts, tested, method: "ltt-fixed-sequence-binomial" as const };
  if (chosen === undefined) {
    return { ...base, startThreshold: starts[0] as number, threshold: Number.POSITIVE_INFINITY, certified: false, coverage: 0, kept: 0, errors: 0, errorUpperBound: 1 };
  }
  const k = keptAt[chosen.g] as number;
  const e = errorsAt[chosen.g] as number;
  return {
    ...base,
    startThreshold: chosen.start,
    threshold: grid[chosen.g] as number,
    certified: true,
    coverage: n === 0 ? 0 : k / n,
    kept: k,
    errors: e,
    errorUpperBound: clopperPearsonUpper(e, k, level),
  };
}

/** One split's scores: each item's calibrated confidence and whether its prediction was right. */
export interface ScoredItems {
  confidences: ArrayLike<number>;
  correct: ArrayLike<number>;
}

/**
 * The certificate as training computes it: the fixed-sequence test on the calibration split's scores, with its two starts
 * (count rule and planned) placed on the validation split's scores, which the test never sees. Both splits must be scored
 * by the very model that serves (temperature included) and neither may have trained its weights; then the kept error ≤ ε
 * claim holds, with probability ≥ 1 − δ, for traffic exchangeable with the calibration split. Without a validation split
 * the count rule runs on the calibration confidences alone (no labels read).
 */
export function certifyThreshold(input: {
  calibration: ScoredItems;
  validation?: ScoredItems;
  maxError: number;
  confidenceLevel: number;
  grid?: ArrayLike<number>;
}): ThresholdSelection {
  const { calibration, validation, maxError, confidenceLevel } = input;
  const grid = input.grid ?? defaultThresholdGrid();
  const calibrationSize = calibration.confidences.length;
  const startThresholds =
    validation !== undefined && validation.confidences.length > 0
      ? [
          labelFreeStart(validation.confidences, maxError, confidenceLevel, { grid, calibrationSize }),
          plannedStart({ confidences: validation.confidences, correct: validation.correct, calibrationSize, maxError, grid }),
        ]
      : undefined;
  return selectThreshold({
    confidences: calibration.confidences,
    correct: calibration.correct,
    maxError,
    confidenceLevel,
    grid,
    ...(startThresholds === undefined ? {} : { startThresholds }),
  });
}
