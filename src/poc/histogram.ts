/**
 * Latency histograms: HdrHistogram (hdr-histogram-js) at microsecond resolution and 3 significant digits, so P99 and
 * P99.9 of a long run cost a fixed few kB instead of a sorted array of every sample, and two runs' percentiles are
 * comparable to the same precision.
 */
import * as hdr from "hdr-histogram-js";

export interface LatencyHistogram {
  /** Records one value in milliseconds (negative values — clock noise — count as 0). */
  record(ms: number): void;
  readonly count: number;
  /** The value at a percentile (0..100), in milliseconds; null when empty. */
  percentile(p: number): number | null;
  max(): number | null;
  mean(): number | null;
  summary(): HistogramSummaryMs;
}

export interface HistogramSummaryMs {
  count: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
}

export function createLatencyHistogram(): LatencyHistogram {
  const histogram = hdr.build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  const ms = (us: number): number => us / 1000;
  return {
    record(value) {
      histogram.recordValue(Math.max(0, Math.round(value * 1000)));
    },
    get count() {
      return histogram.totalCount;
    },
    percentile(p) {
      return histogram.totalCount === 0 ? null : ms(histogram.getValueAtPercentile(p));
    },
    max() {
      return histogram.totalCount === 0 ? null : ms(histogram.maxValue);
    },
    mean() {
      return histogram.totalCount === 0 ? null : ms(histogram.mean);
    },
    summary() {
      const at = (p: number): number | null => (histogram.totalCount === 0 ? null : ms(histogram.getValueAtPercentile(p)));
      return {
        count: histogram.totalCount,
        p50: at(50),
        p90: at(90),
        p95: at(95),
        p99: at(99),
        p999: at(99.9),
        max: histogram.totalCount === 0 ? null : ms(histogram.maxValue),
        mean: histogram.totalCount === 0 ? null : ms(histogram.mean),
      };
    },
  };
}

export function histogramOf(values: Iterable<number>): LatencyHistogram {
  const h = createLatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}
