/**
 * The 95% intervals of a pipeline's measured figures (src/results/intervals.ts does the math):
 *
 * - accuracy and each field's exact-match rate: Wilson on the scored units;
 * - macro-F1: bootstrap over the scored items (F1 is not a share of independent successes);
 * - mean field exact match: bootstrap over documents (a document's fields succeed or fail together), widened to the
 *   Wilson interval of the pooled fields when that is wider, so a run that got every field right still shows how few
 *   documents that rests on instead of a 100–100% interval;
 * - cost and energy per request: bootstrap over requests.
 */
import type { Uncertainty } from "../results/types.ts";
import { bootstrapMean, bootstrapStatistic, widest, wilson, type Interval } from "../results/intervals.ts";
import { fieldAccuracy, macroF1 } from "./score.ts";

/** The keys written beside a figure's value. */
export function uncertainty(ci95: Interval | null, method: string, n: number): Required<Uncertainty> | Record<string, never> {
  return ci95 === null ? {} : { ci95, ci95_method: method, ci95_n: n };
}

export interface ClassifyIntervals {
  accuracy: Required<Uncertainty> | Record<string, never>;
  macroF1: Required<Uncertainty> | Record<string, never>;
}

/** `pairs`: one per scored request, the gold label and what was answered ("(failed)" for a failure). */
export function classifyIntervals(pairs: ReadonlyArray<{ gold: string; predicted: string }>): ClassifyIntervals {
  const correct = pairs.filter((p) => p.gold === p.predicted).length;
  const f1 = bootstrapStatistic(pairs.length, (indices) => macroF1(Array.from(indices, (i) => pairs[i] as { gold: string; predicted: string })));
  return {
    accuracy: uncertainty(wilson(correct, pairs.length), "wilson", pairs.length),
    macroF1: uncertainty(f1, "bootstrap_items", pairs.length),
  };
}

export interface FieldIntervals {
  perField: Record<string, Required<Uncertainty> | Record<string, never>>;
  mean: Required<Uncertainty> | Record<string, never>;
}

export function fieldIntervals(rows: ReadonlyArray<Record<string, boolean | null>>, fields: readonly string[]): FieldIntervals {
  const perField: FieldIntervals["perField"] = {};
  let pooledCorrect = 0;
  let pooledScored = 0;
  for (const field of fields) {
    const scored = rows.map((r) => r[field]).filter((v): v is boolean => v !== null && v !== undefined);
    const correct = scored.filter(Boolean).length;
    pooledCorrect += correct;
    pooledScored += scored.length;
    perField[field] = uncertainty(wilson(correct, scored.length), "wilson", scored.length);
  }
  const byDocument = bootstrapStatistic(rows.length, (indices) => fieldAccuracy(Array.from(indices, (i) => rows[i] as Record<string, boolean | null>), fields).mean);
  const mean = widest(byDocument, wilson(pooledCorrect, pooledScored));
  return { perField, mean: uncertainty(mean, "wilson_or_bootstrap_documents", rows.length) };
}

/** Interval of a per-request mean (cost, energy), scaled like the figure (`scale`: e.g. J → kWh per 1,000). */
export function requestMeanInterval(values: ReadonlyArray<number | null>, scale = 1): Required<Uncertainty> | Record<string, never> {
  if (values.some((v) => v === null)) return {};
  const interval = bootstrapMean(values as number[]);
  return uncertainty(interval === null ? null : [interval[0] * scale, interval[1] * scale], "bootstrap_requests", values.length);
}
