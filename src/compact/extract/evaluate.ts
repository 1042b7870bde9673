/**
 * evaluateExtractor: runs a CompactExtractor over labeled documents and reports what `frugal eval --json` prints.
 *
 * - Accuracy: exact match after normalization (trim, collapse whitespace, case-insensitive), per field, over documents
 *   that carry the field; a null answer is wrong. `mean_field_accuracy` is the unweighted mean over fields.
 * - Decisions: one per (document, labeled field). `coverage` is the share of decisions at or above their field's threshold
 *   (the ones the cascade keeps), `selective_accuracy` their accuracy; the curve sweeps one global confidence threshold.
 * - Latency: wall-clock time of one predict() call per document (all fields), in microseconds, after an untimed warm-up
 *   over the first 10 documents.
 */
import { percentiles } from "./latency.ts";
import type { CompactExtractor } from "../types.ts";
import { valuesMatch } from "./normalize.ts";

export interface CurvePoint {
  coverage: number;
  accuracy: number;
  threshold: number;
}

export interface FieldEvaluation {
  n: number;
  missing: number;
  accuracy: number;
  /** null: no threshold met the error bound at training, the field always escalates. */
  threshold: number | null;
  coverage: number;
  selective_accuracy: number | null;
}

export interface ExtractEvalReport {
  n: number;
  field_accuracy: Record<string, number>;
  mean_field_accuracy: number;
  coverage: number;
  selective_accuracy: number | null;
  curve: CurvePoint[];
  latency_us: { p50: number; p90: number; p99: number; mean: number; max: number };
  decisions: number;
  fields: Record<string, FieldEvaluation>;
}

export interface EvaluateExtractorOptions {
  /** Called after each document. */
  onProgress?: (done: number, total: number) => void;
}

/** Untimed calls before timing, cycling through the documents: enough for the JIT to settle (the bench uses the same). */
const WARMUP_CALLS = 420;
const CURVE_COVERAGES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1];

function round(value: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function sweepCurve(decisions: ReadonlyArray<{ confidence: number; correct: boolean }>, coverages: readonly number[] = CURVE_COVERAGES): CurvePoint[] {
  const sorted = [...decisions].sort((a, b) => b.confidence - a.confidence);
  const points: CurvePoint[] = [];
  for (const target of coverages) {
    const kept = Math.max(1, Math.ceil(target * sorted.length));
    if (sorted.length === 0) break;
    const slice = sorted.slice(0, kept);
    points.push({
      coverage: round(kept / sorted.length),
      accuracy: round(slice.filter((d) => d.correct).length / kept),
      threshold: round(slice[slice.length - 1]?.confidence ?? 1, 6),
    });
  }
  return points;
}

export function evaluateExtractor(
  extractor: CompactExtractor,
  documents: ReadonlyArray<{ text: string; fields: Record<string, string | null> }>,
  options: EvaluateExtractorOptions = {},
): ExtractEvalReport {
  const decisions: Array<{ field: string; confidence: number; correct: boolean; kept: boolean }> = [];
  const latencies: number[] = [];
  const missing: Record<string, number> = Object.fromEntries(extractor.fields.map((f) => [f, 0]));
  // Warm-up, untimed: the first calls pay for JIT compilation, which a serving process pays once, not per request.
  for (let i = 0; documents.length > 0 && i < WARMUP_CALLS; i++) extractor.predict((documents[i % documents.length] as { text: string }).text);
  documents.forEach((doc, index) => {
    const started = process.hrtime.bigint();
    const prediction = extractor.predict(doc.text);
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
    for (const field of extractor.fields) {
      const gold = doc.fields[field];
      if (gold === null || gold === undefined) {
        missing[field] = (missing[field] ?? 0) + 1;
        continue;
      }
      const answer = prediction[field];
      const confidence = answer?.confidence ?? 0;
      decisions.push({ field, confidence, correct: valuesMatch(answer?.value ?? null, gold), kept: confidence >= (extractor.thresholds[field] ?? Number.POSITIVE_INFINITY) });
    }
    options.onProgress?.(index + 1, documents.length);
  });
  const fields: Record<string, FieldEvaluation> = {};
  const fieldAccuracy: Record<string, number> = {};
  for (const field of extractor.fields) {
    const mine = decisions.filter((d) => d.field === field);
    if (mine.length === 0) continue;
    const kept = mine.filter((d) => d.kept);
    const accuracy = round(mine.filter((d) => d.correct).length / mine.length);
    fieldAccuracy[field] = accuracy;
    fields[field] = {
      n: mine.length,
      missing: missing[field] ?? 0,
      accuracy,
      threshold: Number.isFinite(extractor.thresholds[field]) ? (extractor.thresholds[field] as number) : null,
      coverage: round(kept.length / mine.length),
      selective_accuracy: kept.length === 0 ? null : round(kept.filter((d) => d.correct).length / kept.length),
    };
  }
  const accuracies = Object.values(fieldAccuracy);
  const kept = decisions.filter((d) => d.kept);
  const latency = percentiles(latencies);
  return {
    n: documents.length,
    field_accuracy: fieldAccuracy,
    mean_field_accuracy: accuracies.length === 0 ? 0 : round(accuracies.reduce((s, a) => s + a, 0) / accuracies.length),
    coverage: decisions.length === 0 ? 0 : round(kept.length / decisions.length),
    selective_accuracy: kept.length === 0 ? null : round(kept.filter((d) => d.correct).length / kept.length),
    curve: sweepCurve(decisions),
    latency_us: {
      p50: round(latency.p50, 1),
      p90: round(latency.p90, 1),
      p99: round(latency.p99, 1),
      mean: round(latency.mean, 1),
      max: round(latency.max, 1),
    },
    decisions: decisions.length,
    fields,
  };
}
