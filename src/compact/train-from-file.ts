/**
 * Train from a data file to a model file: what `frugal train classify` and the PoC's "train if the config names data" both
 * do. Reading, training and writing stay in one place so both report the same summary.
 */
import { FrugalError, where } from "../core/errors.ts";
import { labeledTextsOf } from "../data/labeled-texts.ts";
import { readDataTable, requireColumns, type DataTable } from "../data/table.ts";
import { classifierToContents, saveClassifierFile } from "./classifier-file.ts";
import type { TrainedClassifier, TrainProgress } from "./train-classifier.ts";
import { trainClassifierParallel } from "./train-parallel.ts";
import type { TrainClassifierConfigInput } from "./train-options.ts";

export interface TrainClassifierFileOptions extends TrainClassifierConfigInput {
  data: string;
  textCol?: string;
  labelCol?: string;
  /** Column of group ids (document, conversation...): examples of a group stay together in validation and folds. */
  groupCol?: string;
  out: string;
  /** Also write the float32 model (for comparisons with `frugal eval`; it is 4× larger and does not serve). */
  floatOut?: string;
  /** Worker threads for the folds (default: the machine's parallelism). */
  threads?: number;
  onProgress?: (progress: TrainProgress) => void;
}

/** Stated wherever a certified threshold is: what the bound needs from the traffic. */
export const CERTIFICATE_ASSUMPTION =
  "requests exchangeable with the calibration split (drawn like the training data); under a shift (new phrasings, new intents, another source) the bound does not hold";

export interface TrainingSummary {
  out: string;
  examples: number;
  labels: number;
  seconds: number;
  /** Examples the weights were fitted on, examples held out for early stopping and the temperature, and for the threshold. */
  train_size: number;
  validation_size: number;
  calibration_size: number;
  /** The served model's accuracy on the calibration split (which it never trained on). */
  calibration_accuracy: number;
  validation_accuracy: number;
  /** null when no threshold could be certified: every answer escalates. */
  threshold: number | null;
  certified: boolean;
  expected_coverage: number;
  max_error: number;
  confidence_level: number;
  /** Clopper-Pearson upper bound on the kept error at the threshold, from the calibration split. */
  error_upper_bound: number;
  /** What the bound assumes: traffic exchangeable with the calibration split (no shift). */
  assumption: string;
  temperature: number;
  features: number;
  epochs: number;
  model_bytes: number;
  float_model_bytes?: number;
}

export interface TrainClassifierFileResult {
  trained: TrainedClassifier;
  summary: TrainingSummary;
}

/** The group column, row for row with `labeledTextsOf` (both take every data row, in order). */
function groupsOf(table: DataTable, column: string): string[] {
  const file = table.file;
  requireColumns(table, [{ column, flag: "--group-col" }]);
  return table.rows.map((row) => {
    const value = row.values[column];
    if (typeof value !== "string" && typeof value !== "number") {
      throw new FrugalError("input_invalid", `${where(file, { line: row.line, column })}: expected a group id (string or number)`, { details: { file, line: row.line, column } });
    }
    return String(value);
  });
}

export async function trainClassifierFile(options: TrainClassifierFileOptions): Promise<TrainClassifierFileResult> {
  const { data, textCol, labelCol, groupCol, out, floatOut, ...rest } = options;
  const table = readDataTable(data);
  const set = labeledTextsOf(table, { ...(textCol === undefined ? {} : { textCol }), ...(labelCol === undefined ? {} : { labelCol }) });
  const groups = groupCol === undefined ? undefined : groupsOf(table, groupCol);
  const trained = await trainClassifierParallel({
    ...rest,
    examples: set.examples,
    dataFile: data,
    labelColumn: labelCol ?? "label",
    ...(groups === undefined ? {} : { groups }),
  });
  const bytes = saveClassifierFile(out, classifierToContents(trained.parts));
  const floatBytes = floatOut === undefined ? undefined : saveClassifierFile(floatOut, classifierToContents(trained.floatParts));
  const meta = trained.parts.meta;
  const summary: TrainingSummary = {
    out,
    examples: set.examples.length,
    labels: meta.labels.length,
    seconds: trained.seconds,
    train_size: meta.training.splits.train,
    validation_size: meta.training.splits.validation,
    calibration_size: meta.threshold.calibrationSize,
    calibration_accuracy: meta.metrics.calibration.accuracy,
    validation_accuracy: meta.metrics.validation.accuracy,
    threshold: meta.threshold.value,
    certified: meta.threshold.certified,
    expected_coverage: meta.threshold.coverage,
    max_error: meta.threshold.maxError,
    confidence_level: meta.threshold.confidenceLevel,
    error_upper_bound: meta.threshold.errorUpperBound,
    assumption: CERTIFICATE_ASSUMPTION,
    temperature: meta.temperature,
    features: trained.parts.space.size,
    epochs: meta.training.bestEpoch,
    model_bytes: bytes,
    ...(floatBytes === undefined ? {} : { float_model_bytes: floatBytes }),
  };
  return { trained, summary };
}
