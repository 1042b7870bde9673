/**
 * Options of trainExtractor, validated once, and the report it returns. Defaults were chosen by cross-validation inside
 * SROIE's train split only (bench/notes/extract.md); the dev split never tuned anything.
 */
import { FrugalError } from "../../core/errors.ts";
import type { Calibration } from "./calibration.ts";
import type { FieldSpec } from "./candidates.ts";
import { DEFAULT_MAX_CHARS } from "./document.ts";

export interface TrainExtractorOptions {
  documents: ReadonlyArray<{ text: string; fields: Record<string, string | null> }>;
  /** Fields to learn (default: every field seen in the documents). */
  fields?: string[];
  /**
   * Target error rate ε among the answers kept at each field's threshold (default 0.05). Not the classifier's 0.02: a
   * certificate needs about ln(δ/2)/ln(1 − ε) kept calibration answers without one error (183 at ε = 0.02, 72 at 0.05),
   * and extraction data is usually a few hundred labeled documents, 30% of which calibrate (146 on SROIE's train split).
   */
  maxError?: number;
  /** Confidence level 1-δ of that bound (default 0.95). */
  confidence?: number;
  /**
   * Share of the documents held out of everything but the threshold test (default 0.3): the served model's own answers on
   * them certify each field's threshold. The rest train the rankers and, by cross-validation, choose the memory policy and
   * fit the confidence calibration.
   */
  calibrationFraction?: number;
  /** Cross-validation folds, inside the fitting documents, for the memory policy and the calibration (default 5). */
  folds?: number;
  epochs?: number;
  /** log2 of the hashed feature space (default 18). */
  dimensionBits?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  /** Texts are cut at this many characters, at training and serving time (default 20,000). */
  maxChars?: number;
  /** Ranked lines returned per field for prompt reduction (default 3). */
  topLines?: number;
  /** Use the value memory on text fields (default true). */
  memory?: boolean;
  /** Stored in the model file. */
  dataHash?: string;
  onProgress?: (done: number, total: number, info: string) => void;
}

export interface FieldTrainingReport {
  name: string;
  spec: FieldSpec;
  labeled: number;
  /** Share of labeled training documents whose gold value is among the candidates. */
  candidateRecall: number;
  /** Exact-match accuracy of the held-out (cross-validation, fitting documents) predictions. */
  heldOutAccuracy: number;
  /** Exact-match accuracy of the served model on the calibration documents (which it never saw). */
  calibrationAccuracy: number;
  /** Labeled calibration documents the threshold was tested on. */
  calibrationSize: number;
  heldOutAccuracyWithoutMemorySpelling: number;
  memoryValues: number;
  useMemorySpelling: boolean;
  /** Answers the memory does not know exactly snap to the remembered value within this share of edits (0: never). */
  memoryEditRate: number;
  calibration: Calibration;
  /**
   * Keep answers with confidence >= threshold; null when no threshold met the bound (the field always escalates).
   * Certified: kept error <= maxError with the stated confidence, for documents exchangeable with the calibration split.
   */
  threshold: number | null;
  thresholdMet: boolean;
  /** Share of the calibration documents kept at the threshold. */
  expectedCoverage: number;
  /** Accuracy of the kept calibration answers (null when none kept). */
  heldOutSelectiveAccuracy: number | null;
  errorUpperBound: number;
  /** Where the two fixed sequences of the threshold test started (placed on the cross-validation answers). */
  thresholdStarts: number[];
  thresholdTests: number;
  /** Held-out answers in five bins by calibrated confidence (lowest first): mean confidence vs accuracy. */
  reliability: Array<{ n: number; meanConfidence: number; accuracy: number }>;
}

export interface TrainExtractorReport {
  documents: number;
  /** Documents that trained the served rankers (and cross-validated), and documents that only certified thresholds. */
  fitDocuments: number;
  calibrationDocuments: number;
  folds: number;
  maxError: number;
  confidence: number;
  fields: FieldTrainingReport[];
  meanHeldOutAccuracy: number;
  trainMs: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new FrugalError("input_invalid", message);
}

export function resolveTrainOptions(input: TrainExtractorOptions) {
  const maxError = input.maxError ?? 0.05;
  const confidence = input.confidence ?? 0.95;
  const folds = input.folds ?? 5;
  const calibrationFraction = input.calibrationFraction ?? 0.3;
  const epochs = input.epochs ?? 12;
  const dimensionBits = input.dimensionBits ?? 18;
  const learningRate = input.learningRate ?? 0.05;
  const l2 = input.l2 ?? 1e-6;
  const seed = input.seed ?? 1;
  const maxChars = input.maxChars ?? DEFAULT_MAX_CHARS;
  const topLines = input.topLines ?? 3;
  check(maxError > 0 && maxError < 1, `maxError must be between 0 and 1 (exclusive), got ${maxError}`);
  check(confidence > 0 && confidence < 1, `confidence must be between 0 and 1 (exclusive), got ${confidence}`);
  check(Number.isInteger(folds) && folds >= 2 && folds <= 20, `folds must be an integer from 2 to 20, got ${folds}`);
  check(calibrationFraction > 0 && calibrationFraction <= 0.5, `calibrationFraction must be in (0, 0.5], got ${calibrationFraction}`);
  check(Number.isInteger(epochs) && epochs >= 1 && epochs <= 200, `epochs must be an integer from 1 to 200, got ${epochs}`);
  check(Number.isInteger(dimensionBits) && dimensionBits >= 10 && dimensionBits <= 24, `dimensionBits must be an integer from 10 to 24, got ${dimensionBits}`);
  check(learningRate > 0 && l2 >= 0, "learningRate must be > 0 and l2 >= 0");
  check(Number.isInteger(maxChars) && maxChars > 0, `maxChars must be a positive integer, got ${maxChars}`);
  check(Number.isInteger(topLines) && topLines >= 1, `topLines must be a positive integer, got ${topLines}`);
  check(input.documents.length > 0, "no documents to train on");
  const seen = new Set<string>();
  for (const d of input.documents) for (const name of Object.keys(d.fields)) seen.add(name);
  const fields = input.fields ?? [...seen].sort();
  check(fields.length > 0, "no fields to learn: the documents carry no labeled fields");
  for (const f of fields) check(seen.has(f), `field "${f}" is not labeled in any document (labeled: ${[...seen].sort().join(", ")})`);
  const recorded = { maxError, confidence, calibrationFraction, folds, epochs, dimensionBits, learningRate, l2, seed, maxChars, topLines, memory: input.memory ?? true };
  return { ...recorded, fields, dimension: 2 ** dimensionBits, onProgress: input.onProgress, recorded };
}
