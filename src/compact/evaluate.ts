/**
 * Evaluating a classifier on labeled texts: accuracy, macro-F1, what the stored threshold keeps and how well, the
 * risk-coverage curve, and the single-item predict latency measured in-process, one call at a time (what a request pays).
 * Works with any CompactClassifier, so the float comparison model and the int8 one are measured the same way.
 */
import type { CompactClassifier } from "./types.ts";
import { clopperPearsonInterval } from "./binomial.ts";
import { accuracyOf, CURVE_COVERAGES, macroF1Of, percentile, riskCoverageCurve, selectiveAt, type CurvePoint } from "./metrics.ts";

export interface ClassifierEvaluation {
  n: number;
  accuracy: number;
  macro_f1: number;
  /** The model's stored threshold; null when it certified none (everything escalates). */
  threshold: number | null;
  /** Share of items with confidence ≥ threshold. */
  coverage: number;
  /** Accuracy on those items; null when none is kept. */
  selective_accuracy: number | null;
  curve: CurvePoint[];
  latency_us: { p50: number; p99: number };
  /**
   * CPU time of the same calls (process CPU clock, µs resolution). On a busy machine the wall-clock P99 mostly measures the
   * scheduler (a call preempted for a time slice takes milliseconds); the CPU time is what the predict itself costs.
   */
  cpu_us: { p50: number; p99: number };
  /** 1 − selective_accuracy: the error rate the threshold was meant to bound. */
  error_at_threshold: number | null;
  /** How many items the threshold kept, and the Clopper-Pearson 95% interval of their error rate (null when none). */
  kept: number;
  error_at_threshold_ci95: [number, number] | null;
  /** Labels of the data the model does not know (each such row counts as an error). */
  unknown_labels: string[];
}

export interface EvaluateClassifierOptions {
  /** Calls before timing starts, so JIT warm-up is not billed to the first items. */
  warmup?: number;
  onProgress?: (done: number, total: number) => void;
}

export function evaluateClassifier(model: CompactClassifier, examples: ReadonlyArray<{ text: string; label: string }>, options: EvaluateClassifierOptions = {}): ClassifierEvaluation {
  const n = examples.length;
  // Warm-up cycles through the data so the JIT has compiled the predict path before timing starts (steady state is what a
  // long-running tier pays; the first calls of a process are not).
  const warmup = n === 0 ? 0 : (options.warmup ?? 5000);
  for (let i = 0; i < warmup; i++) model.predict((examples[i % n] as { text: string }).text);
  const predicted: string[] = new Array<string>(n);
  const truth: string[] = new Array<string>(n);
  const confidences = new Float64Array(n);
  const correct = new Uint8Array(n);
  const latencies = new Float64Array(n);
  const cpuTimes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const example = examples[i] as { text: string; label: string };
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const prediction = model.predict(example.text);
    latencies[i] = Number(process.hrtime.bigint() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes[i] = cpu.user + cpu.system;
    predicted[i] = prediction.label;
    truth[i] = example.label;
    confidences[i] = prediction.confidence;
    correct[i] = prediction.label === example.label ? 1 : 0;
    if (options.onProgress !== undefined && (i + 1) % 250 === 0) options.onProgress(i + 1, n);
  }
  options.onProgress?.(n, n);
  const known = new Set(model.labels);
  const unknown = [...new Set(truth.filter((label) => !known.has(label)))].sort();
  const kept = selectiveAt(confidences, correct, model.threshold);
  let keptCount = 0;
  let keptErrors = 0;
  for (let i = 0; i < n; i++) {
    if ((confidences[i] as number) < model.threshold) continue;
    keptCount++;
    if (correct[i] === 0) keptErrors++;
  }
  return {
    n,
    accuracy: accuracyOf(predicted, truth),
    macro_f1: macroF1Of(predicted, truth),
    threshold: Number.isFinite(model.threshold) ? model.threshold : null,
    coverage: kept.coverage,
    selective_accuracy: kept.accuracy,
    curve: riskCoverageCurve(confidences, correct, CURVE_COVERAGES),
    latency_us: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    cpu_us: { p50: percentile(cpuTimes, 50), p99: percentile(cpuTimes, 99) },
    error_at_threshold: kept.accuracy === null ? null : 1 - kept.accuracy,
    kept: keptCount,
    error_at_threshold_ci95: keptCount === 0 ? null : clopperPearsonInterval(keptErrors, keptCount, 0.95),
    unknown_labels: unknown,
  };
}
