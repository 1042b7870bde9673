/**
 * The CompactModel interface: models frugal trains itself and runs in-process. A classifier answers a label; an extractor
 * answers fields. Both say how sure they are, and carry the threshold below which the cascade escalates.
 */

export interface ClassifierPrediction {
  label: string;
  /** Calibrated probability of `label`. */
  confidence: number;
}

export interface CompactClassifier {
  readonly kind: "classify";
  readonly labels: readonly string[];
  /** Keep answers with confidence >= threshold; escalate the rest. */
  readonly threshold: number;
  predict(text: string): ClassifierPrediction;
}

export interface FieldPrediction {
  /** Normalized value, or null when the extractor found no candidate. */
  value: string | null;
  /** Calibrated probability that `value` is right. */
  confidence: number;
  /** The document lines ranked most likely to hold this field, best first (prompt reduction for escalation). */
  lines: string[];
}

export interface CompactExtractor {
  readonly kind: "extract";
  readonly fields: readonly string[];
  /** Per-field thresholds: a field below its threshold is escalated alone. */
  readonly thresholds: Readonly<Record<string, number>>;
  predict(text: string): Record<string, FieldPrediction>;
}

export type CompactModel = CompactClassifier | CompactExtractor;
