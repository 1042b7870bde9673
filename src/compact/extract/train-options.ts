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
  /** Target error rate ε among the answers kept at each field's threshold (default 0.02). */
  maxError?: number;
  /** Confidence level 1-δ of that bound (default 0.95). */
  confidence?: number;
  /** Cross-validation folds for calibration and thresholds (default 5). */
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
  /** Exact-match accuracy of the held-out (cross-validation) predictions. */
  heldOutAccuracy: number;
  heldOutAccuracyWithoutMemorySpelling: number;
  memoryValues: number;
  useMemorySpelling: boolean;
  /** Answers the memory does not know exactly snap to the remembered value within this share of edits (0: never). */
  memoryEditRate: number;
  calibration: Calibration;
  /** Keep answers with confidence >= threshold; null when no threshold met the bound (the field always escalates). */
  threshold: number | null;
  thresholdMet: boolean;
  expectedCoverage: number;
  heldOutSelectiveAccuracy: number | null;
  errorUpperBound: number;
  /** Held-out answers in five bins by calibrated confidence (lowest first): mean confidence vs accuracy. */
  reliability: Array<{ n: number; meanConfidence: number; accuracy: number }>;
}

export interface TrainExtractorReport {
  documents: number;
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
  const maxError = input.maxError ?? 0.02;
  const confidence = input.confidence ?? 0.95;
  const folds = input.folds ?? 5;
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
  const recorded = { maxError, confidence, folds, epochs, dimensionBits, learningRate, l2, seed, maxChars, topLines, memory: input.memory ?? true };
  return { ...recorded, fields, dimension: 2 ** dimensionBits, onProgress: input.onProgress, recorded };
}
