/**
 * The first half of training, shared by the inline and the worker-thread paths: check the labels, split the data, fit the
 * feature space, featurize, and cut the fold jobs.
 *
 * Splits (stratified by label, seeded): `validation` (5%) is held out of every fold model; it picks each fold's epoch (early
 * stopping), the ensemble's temperature, and where the threshold test starts. The rest is cut into K folds: fold model f
 * trains on the other folds and scores fold f, so every non-validation example gets one out-of-fold score (cross-fit.ts).
 * With `groups`, both splits keep each group whole.
 */
import { FrugalError } from "../core/errors.ts";
import { fitFeatureSpace, type FeatureSpace } from "./feature-space.ts";
import { groupedSplit, stratifiedSplit } from "./random.ts";
import { selectRows } from "./sparse.ts";
import type { FoldJob, FoldModelOptions } from "./cross-fit.ts";
import type { LabeledMatrix } from "./softmax-regression.ts";
import { effectiveLearningRate, resolveTrainOptions, type TrainClassifierConfig, type TrainClassifierConfigInput } from "./train-options.ts";

export interface TrainProgress {
  stage: "featurize" | "train" | "calibrate";
  done: number;
  total: number;
}

export interface TrainClassifierOptions extends TrainClassifierConfigInput {
  examples: ReadonlyArray<{ text: string; label: string }>;
  /** Names the data in errors and in the model file. */
  dataFile?: string;
  /** The label column, for the single-class error message. */
  labelColumn?: string;
  /**
   * Group of each example (document, conversation, customer...). When given, validation and folds keep a group together,
   * so out-of-fold scores are what a *new* group would get: the threshold then holds for new groups, not only new rows of
   * groups seen in training.
   */
  groups?: readonly string[];
  onProgress?: (progress: TrainProgress) => void;
}

export interface TrainingPlan {
  started: number;
  config: TrainClassifierConfig;
  examples: ReadonlyArray<{ text: string; label: string }>;
  dataFile: string;
  labelNames: string[];
  space: FeatureSpace;
  valid: LabeledMatrix;
  /** The non-validation examples (cross-fit rows), in their cross-fit order; `folds[f]` indexes into it. */
  pool: LabeledMatrix;
  /** Example index of each pool row, and of each validation row. */
  poolIndex: Int32Array;
  validIndex: Int32Array;
  folds: Int32Array[];
  jobs: FoldJob[];
  /** Whether validation and folds were split by group. */
  grouped: boolean;
}

export function planTraining(options: TrainClassifierOptions): TrainingPlan {
  const started = performance.now();
  const { examples, onProgress, groups, dataFile = "(in-memory data)", labelColumn = "label", ...rest } = options;
  const config = resolveTrainOptions(rest, "training options", examples.length);
  const labelNames = [...new Set(examples.map((e) => e.label))].sort();
  if (labelNames.length < 2) {
    const only = labelNames[0] === undefined ? "no labels" : `a single class ("${labelNames[0]}")`;
    throw new FrugalError("input_invalid", `${dataFile}: the label column "${labelColumn}" has ${only}; a classifier needs at least two`, {
      details: { file: dataFile, column: labelColumn },
    });
  }
  const k = labelNames.length;
  const labelIndex = new Map(labelNames.map((l, i) => [l, i]));
  const y = Int32Array.from(examples, (e) => labelIndex.get(e.label) as number);
  if (groups !== undefined && groups.length !== examples.length) {
    throw new FrugalError("input_invalid", `${dataFile}: ${groups.length} group ids for ${examples.length} examples`, { details: { file: dataFile } });
  }
  const vf = config.validationFraction;
  const [poolIdx, validIdx] = (
    groups === undefined ? stratifiedSplit(y, { fractions: [1 - vf, vf], seed: config.seed }) : groupedSplit(groups, { fractions: [1 - vf, vf], seed: config.seed })
  ) as [Int32Array, Int32Array];
  const texts = examples.map((e) => e.text);

  // File budget: per feature row, one int8 weight per unit of the first layer (hidden units, or classes) + a uint32 bucket
  // + a float32 idf; the header, the output layer and the per-unit tensors are small.
  const width = config.hiddenUnits > 0 ? config.hiddenUnits : k;
  const maxFeatures = Math.floor((config.maxModelBytes - 256 * 1024 - 16 * k - (config.hiddenUnits + 16) * (k + 8)) / (width + 8));
  onProgress?.({ stage: "featurize", done: 0, total: texts.length });
  const space = fitFeatureSpace(Array.from(poolIdx, (i) => texts[i] as string), { featurizer: config.featurizer, minDf: config.minDf, maxFeatures });
  const x = space.transformAll(texts, (done) => onProgress?.({ stage: "featurize", done, total: texts.length }));
  const part = (idx: Int32Array, from: LabeledMatrix = { x, y }): LabeledMatrix => ({ x: selectRows(from.x, idx), y: Int32Array.from(idx, (i) => from.y[i] as number) });
  const valid = part(validIdx);
  const pool = part(poolIdx);

  const foldFractions = Array.from({ length: config.folds }, () => 1 / config.folds);
  const folds =
    groups === undefined
      ? stratifiedSplit(pool.y, { fractions: foldFractions, seed: config.seed + 1, minFirst: 0 })
      : groupedSplit(Array.from(poolIdx, (i) => groups[i] as string), { fractions: foldFractions, seed: config.seed + 1 });
  const common = { numClasses: k, learningRate: effectiveLearningRate(config), maxEpochs: config.maxEpochs, patience: config.patience, minDelta: config.minDelta, seed: config.seed };
  const model: FoldModelOptions =
    config.hiddenUnits > 0
      ? { kind: "mlp", options: { ...common, hiddenUnits: config.hiddenUnits, hiddenDropout: config.hiddenDropout } }
      : { kind: "linear", options: { ...common, optimizer: config.optimizer, weightDecay: config.weightDecay, dropout: config.dropout } };
  const validForJobs = valid.x.rows > 0 ? valid : undefined;
  const jobs = folds.map((held, fold): FoldJob => {
    const heldSet = new Uint8Array(pool.y.length);
    for (const i of held) heldSet[i] = 1;
    const trainRows = Int32Array.from({ length: pool.y.length }, (_, i) => i).filter((i) => heldSet[i] === 0);
    return { fold, train: part(trainRows, pool), valid: validForJobs, heldOut: selectRows(pool.x, held), model };
  });
  // A hidden-layer model cannot be averaged weight by weight (its units are in no particular order), so the served model is
  // refit on every fold; the fold models still give the out-of-fold scores that certify the threshold (train-classifier.ts).
  // First in the queue: it is the longest job, so the worker threads finish together.
  if (model.kind === "mlp") jobs.unshift({ fold: config.folds, train: pool, valid: validForJobs, heldOut: selectRows(pool.x, []), model });
  return { started, config, examples, dataFile, labelNames, space, valid, pool, poolIndex: poolIdx, validIndex: validIdx, folds, jobs, grouped: groups !== undefined };
}
