/**
 * Nearest-rank percentiles, the one definition every latency and accuracy figure uses (PoC planner simulation, compact
 * model evaluation, extractor latency, benches): the smallest sample value with at least q of the sample at or below it.
 * No interpolation, so a reported P99 is a latency that was actually observed.
 */

/** The nearest-rank q-quantile (q in 0..1) of an already sorted sample; 0 for an empty one. */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** The nearest-rank p-th percentile (p in 0..100) of an unsorted sample; 0 for an empty one. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return nearestRank(Float64Array.from(values).sort(), p / 100);
}
