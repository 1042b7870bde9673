/**
 * 95% intervals for what a PoC measured, so that a figure read off 10 items never looks as sure as one read off 3,000.
 *
 * - `wilson`: a share of successes (accuracy, a per-field exact-match rate). Chosen over the normal approximation because
 *   it stays inside [0, 1] and does not collapse to a point at 0 or n successes (10/10 gives 72–100%, not 100–100%).
 *   Exact one-sided Clopper-Pearson bounds live in src/compact/binomial.ts, for the classifier's certificate.
 * - `bootstrapMean`, `bootstrapStatistic`, `bootstrapRatio`: the percentile bootstrap over the units that were sampled
 *   (items for macro-F1 and mean field accuracy, requests for cost and energy), seeded so that a results file is
 *   reproducible byte for byte. 1,000 resamples by default: the 2.5% and 97.5% points of the resampled statistic.
 *
 * Every function returns null where no interval can be made (nothing sampled), never a made-up one.
 */
import { createRng, type Rng } from "../core/random.ts";

export type Interval = [number, number];

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;
export const BOOTSTRAP_RESAMPLES = 1000;
/** Fixed so two runs over the same records write the same intervals; any seed is as good as another. */
export const BOOTSTRAP_SEED = 0x9e3779b9;
/**
 * Below this many sampled units a percentile bootstrap under-covers (it cannot show what the sample never contained, e.g.
 * an escalation that 10 requests did not happen to trigger), so statements built on it say the sample is too small.
 */
export const MIN_BOOTSTRAP_N = 30;

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Two-sided level, default 0.95. */
  level?: number;
}

/** Wilson score interval of `successes` out of `n`; null for n = 0. */
export function wilson(successes: number, n: number, z = Z95): Interval | null {
  if (!(n > 0) || successes < 0 || successes > n) return null;
  const p = successes / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Rounding can push a bound a hair past the data at 0 or n successes; the bound there is exact.
  return [successes === 0 ? 0 : Math.max(0, center - half), successes === n ? 1 : Math.min(1, center + half)];
}

/** The q-quantile of a sorted sample, linearly interpolated (type 7): the bootstrap's percentile points. */
function quantile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

function percentileInterval(stats: number[], level: number): Interval | null {
  if (stats.length === 0) return null;
  const sorted = Float64Array.from(stats).sort();
  const tail = (1 - level) / 2;
  return [quantile(sorted, tail), quantile(sorted, 1 - tail)];
}

function resample(n: number, rng: Rng, into: Uint32Array): Uint32Array {
  for (let i = 0; i < n; i++) into[i] = Math.floor(rng() * n);
  return into;
}

/**
 * The percentile bootstrap of any statistic of `n` sampled units: `statistic` gets the indices of one resample (with
 * repetitions) and returns the figure, or null when the resample has nothing to compute it on (those are skipped).
 */
export function bootstrapStatistic(n: number, statistic: (indices: Uint32Array) => number | null, options: BootstrapOptions = {}): Interval | null {
  if (n === 0) return null;
  const rng = createRng(options.seed ?? BOOTSTRAP_SEED);
  const indices = new Uint32Array(n);
  const stats: number[] = [];
  for (let r = 0; r < (options.resamples ?? BOOTSTRAP_RESAMPLES); r++) {
    const value = statistic(resample(n, rng, indices));
    if (value !== null && Number.isFinite(value)) stats.push(value);
  }
  return percentileInterval(stats, options.level ?? 0.95);
}

function meanAt(values: readonly number[], indices: Uint32Array): number {
  let sum = 0;
  for (const i of indices) sum += values[i] as number;
  return sum / indices.length;
}

/** Interval of the mean of `values` (cost per request, energy per request), resampling the values. */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): Interval | null {
  return bootstrapStatistic(values.length, (indices) => meanAt(values, indices), options);
}

/**
 * Interval of top(resample of n1) / bottom(resample of n2) for two independently sampled sets of units (one pipeline's
 * requests against another's: each served its own), resampling each on its own. Resamples where either side has nothing
 * to compute on, or the bottom is 0, are skipped.
 */
export function bootstrapRatioOf(
  n1: number,
  top: (indices: Uint32Array) => number | null,
  n2: number,
  bottom: (indices: Uint32Array) => number | null,
  options: BootstrapOptions = {},
): Interval | null {
  if (n1 === 0 || n2 === 0) return null;
  const rng = createRng(options.seed ?? BOOTSTRAP_SEED);
  const a = new Uint32Array(n1);
  const b = new Uint32Array(n2);
  const stats: number[] = [];
  for (let r = 0; r < (options.resamples ?? BOOTSTRAP_RESAMPLES); r++) {
    const t = top(resample(n1, rng, a));
    const d = bottom(resample(n2, rng, b));
    if (t !== null && d !== null && d !== 0) stats.push(t / d);
  }
  return percentileInterval(stats, options.level ?? 0.95);
}

/** Interval of mean(numerator) / mean(denominator), two independently sampled streams (see bootstrapRatioOf). */
export function bootstrapRatio(numerator: readonly number[], denominator: readonly number[], options: BootstrapOptions = {}): Interval | null {
  return bootstrapRatioOf(numerator.length, (i) => meanAt(numerator, i), denominator.length, (i) => meanAt(denominator, i), options);
}

/** Where an interval stands against a decision value (a quality target, a ratio of 1). */
export function against(interval: Interval, decision: number): "above" | "below" | "crosses" {
  if (interval[0] >= decision) return "above";
  if (interval[1] < decision) return "below";
  return "crosses";
}

/** The smallest interval holding both (a clustered sample: the per-unit and the per-cluster interval, whichever is wider). */
export function widest(a: Interval | null, b: Interval | null): Interval | null {
  if (a === null) return b;
  if (b === null) return a;
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}
