/**
 * Scoring a classifier on distillation rows: its certificate on the calibration rows, and what it keeps and how often it
 * is right on the held-out rows — one source at a time, because an LLM label and a person's label are not the same
 * yardstick. Against LLM labels the figure is agreement with the LLM (whose own mistakes count as the model's errors, and
 * whose mistakes the model copies count as right); only against human labels (seed, gold) is it accuracy.
 */
import { clopperPearsonInterval } from "../compact/binomial.ts";
import { certifyThreshold, type ScoredItems, type ThresholdSelection } from "../compact/threshold.ts";
import type { CompactClassifier } from "../compact/types.ts";
import { wilson, type Interval } from "../results/intervals.ts";
import { countBySource, LABEL_SOURCES, type BySource, type LabeledText, type LabelSource } from "./distill-split.ts";

export type Yardstick = "human labels" | "LLM labels" | "human and LLM labels" | "no rows";

export function yardstickOf(counts: BySource): Yardstick {
  const human = counts.seed + counts.gold > 0;
  const llm = counts.llm > 0;
  return human && llm ? "human and LLM labels" : human ? "human labels" : llm ? "LLM labels" : "no rows";
}

/** The sentence a certificate supports, in words that cannot be read as more than it is. */
export function claimOf(yardstick: Yardstick, epsilon: number, level: number): string {
  const bound = `kept answers disagree with the label on at most ${epsilon} of requests, with ${level} confidence, for traffic drawn like these rows`;
  if (yardstick === "LLM labels") return `${bound}; the labels are the LLM's, so this certifies agreement with the LLM, not correctness`;
  if (yardstick === "human and LLM labels") return `${bound}; some labels are the LLM's, so for those rows this certifies agreement with the LLM, not correctness`;
  if (yardstick === "human labels") return `${bound}; the labels are human (seed or gold), so this is an error bound`;
  return "no calibration rows: nothing certified";
}

export interface Scores extends ScoredItems {
  confidences: Float64Array;
  correct: Uint8Array;
}

export function scoreRows(model: CompactClassifier, rows: readonly LabeledText[]): Scores {
  const confidences = new Float64Array(rows.length);
  const correct = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    const p = model.predict(row.text);
    confidences[i] = p.confidence;
    correct[i] = p.label === row.label ? 1 : 0;
  });
  return { confidences, correct };
}

export interface CertificateReport {
  /** null: nothing could be certified, every request escalates. */
  threshold: number | null;
  certified: boolean;
  /** Share of the calibration rows kept at the threshold. */
  coverage: number;
  kept: number;
  errors: number;
  /** Clopper-Pearson upper bound on the kept rows' disagreement with their labels. */
  errorUpperBound: number;
  maxError: number;
  confidenceLevel: number;
  /** The calibration rows it was tested on (none trained the model), by where their label came from. */
  rows: number;
  bySource: BySource;
  against: Yardstick;
  claim: string;
  method: string;
}

export function certificateReport(selection: ThresholdSelection, rows: readonly LabeledText[]): CertificateReport {
  const bySource = countBySource(rows);
  const against = yardstickOf(bySource);
  return {
    threshold: Number.isFinite(selection.threshold) ? selection.threshold : null,
    certified: selection.certified,
    coverage: selection.coverage,
    kept: selection.kept,
    errors: selection.errors,
    errorUpperBound: selection.errorUpperBound,
    maxError: selection.maxError,
    confidenceLevel: selection.confidenceLevel,
    rows: rows.length,
    bySource,
    against,
    claim: claimOf(against, selection.maxError, selection.confidenceLevel),
    method: selection.method,
  };
}

/** The certificate of `model` on `rows` (its starts placed on `validation` when given, else on the rows' confidences). */
export function certifyOn(model: CompactClassifier, rows: readonly LabeledText[], epsilon: number, confidenceLevel: number, validation?: ScoredItems): { selection: ThresholdSelection; report: CertificateReport } {
  const selection = certifyThreshold({
    calibration: scoreRows(model, rows),
    ...(validation !== undefined && validation.confidences.length > 0 ? { validation } : {}),
    maxError: epsilon,
    confidenceLevel,
  });
  return { selection, report: certificateReport(selection, rows) };
}

export interface SourceEvaluation {
  n: number;
  /** Accuracy against human labels; agreement with the LLM's labels for the `llm` rows (see `against`). */
  against: "human labels" | "LLM labels";
  accuracy: number | null;
  /** Wilson 95%. */
  accuracyCi95: Interval | null;
  /** The threshold the model serves with (null: escalates everything). */
  threshold: number | null;
  kept: number;
  coverage: number | null;
  keptErrors: number;
  keptError: number | null;
  /** Clopper-Pearson two-sided 95%. */
  keptErrorCi95: Interval | null;
}

export function evaluateRows(model: CompactClassifier, rows: readonly LabeledText[], source: LabelSource): SourceEvaluation {
  const { confidences, correct } = scoreRows(model, rows);
  const n = rows.length;
  let right = 0;
  let kept = 0;
  let keptErrors = 0;
  for (let i = 0; i < n; i++) {
    right += correct[i] as number;
    if ((confidences[i] as number) < model.threshold) continue;
    kept++;
    if (correct[i] === 0) keptErrors++;
  }
  return {
    n,
    against: source === "llm" ? "LLM labels" : "human labels",
    accuracy: n === 0 ? null : right / n,
    accuracyCi95: wilson(right, n),
    threshold: Number.isFinite(model.threshold) ? model.threshold : null,
    kept,
    coverage: n === 0 ? null : kept / n,
    keptErrors,
    keptError: kept === 0 ? null : keptErrors / kept,
    keptErrorCi95: kept === 0 ? null : clopperPearsonInterval(keptErrors, kept, 0.95),
  };
}

/** Held-out figures, one entry per label source (never pooled: see the file comment). */
export function evaluateBySource(model: CompactClassifier, rows: readonly LabeledText[]): Record<LabelSource, SourceEvaluation> {
  const out = {} as Record<LabelSource, SourceEvaluation>;
  for (const source of LABEL_SOURCES) out[source] = evaluateRows(model, rows.filter((r) => r.source === source), source);
  return out;
}
