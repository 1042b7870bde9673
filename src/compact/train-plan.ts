/**
 * The first half of training, shared by the inline and the worker-thread paths: check the labels, split the data, fit the
 * feature space, featurize, and cut the training jobs.
 *
 * Splits (stratified by label, seeded; with `groups`, each group whole):
 *   - `train` (the rest, 80% by default): the only data the weights are fitted on;
 *   - `validation` (5%): early stopping, the temperature, and where the threshold test starts;
 *   - `calibration` (15%): touched by nothing until the served model is final; its scores test the threshold.
 * The feature space (which n-gram rows exist, their idf) is fitted on the training split alone, so nothing about the
 * calibration examples, not even their texts, shaped the model whose errors on them are counted.
 *
 * Jobs: a hidden-layer model is `members` jobs on the whole training split (seeds apart; the served model concatenates
 * them, cross-fit.ts). A linear model is K jobs, one per fold of the training split (each trains on the other K−1 folds);
 * the served model is their average.
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
   * Group of each example (document, conversation, customer...). When given, every split keeps a group whole, so the
   * calibration scores are what a *new* group would get: the threshold then holds for new groups, not only new rows of
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
  train: LabeledMatrix;
  valid: LabeledMatrix;
  calibration: LabeledMatrix;
  /** Example index of each row of the three splits (ascending). */
  trainIndex: Int32Array;
  validIndex: Int32Array;
  calibrationIndex: Int32Array;
  /** Linear models: rows of the training split held out of each member model (`folds[f]` indexes into `train`). */
  folds: Int32Array[];
  jobs: FoldJob[];
  /** Whether the splits were made by group. */
  grouped: boolean;
}

const EMPTY_ROWS = new Int32Array(0);

export function planTraining(options: TrainClassifierOptions): TrainingPlan {
  const started = performance.now();
  const { examples, onProgress, groups, dataFile = "(in-memory data)", labelColumn = "label", ...rest } = options;
  const config = resolveTrainOptions(rest, "training options");
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
  const { validationFraction: vf, calibrationFraction: cf } = config;
  const fractions = [1 - vf - cf, vf, cf];
  const [trainIdx, validIdx, calibrationIdx] = (
    groups === undefined ? stratifiedSplit(y, { fractions, seed: config.seed }) : groupedSplit(groups, { fractions, seed: config.seed })
  ) as [Int32Array, Int32Array, Int32Array];
  const texts = examples.map((e) => e.text);

  // File budget: per feature row, one int8 weight per unit of the first layer (hidden units, or classes) + a uint32 bucket
  // + a float32 idf; the header, the output layer and the per-unit tensors are small.
  const width = config.hiddenUnits > 0 ? config.hiddenUnits : k;
  const maxFeatures = Math.floor((config.maxModelBytes - 256 * 1024 - 16 * k - (config.hiddenUnits + 16) * (k + 8)) / (width + 8));
  onProgress?.({ stage: "featurize", done: 0, total: texts.length });
  const space = fitFeatureSpace(Array.from(trainIdx, (i) => texts[i] as string), { featurizer: config.featurizer, minDf: config.minDf, maxFeatures });
  const x = space.transformAll(texts, (done) => onProgress?.({ stage: "featurize", done, total: texts.length }));
  const part = (idx: Int32Array, from: LabeledMatrix = { x, y }): LabeledMatrix => ({ x: selectRows(from.x, idx), y: Int32Array.from(idx, (i) => from.y[i] as number) });
  const train = part(trainIdx);
  const valid = part(validIdx);
  const calibration = part(calibrationIdx);

  const common = { numClasses: k, learningRate: effectiveLearningRate(config), maxEpochs: config.maxEpochs, patience: config.patience, minDelta: config.minDelta, seed: config.seed };
  const model: FoldModelOptions =
    config.hiddenUnits > 0
      ? { kind: "mlp", options: { ...common, hiddenUnits: config.hiddenUnits, hiddenDropout: config.hiddenDropout } }
      : { kind: "linear", options: { ...common, optimizer: config.optimizer, weightDecay: config.weightDecay, dropout: config.dropout } };
  const validForJobs = valid.x.rows > 0 ? valid : undefined;
  // Members score nothing: only the finished served model is ever scored on held-out data (train-classifier.ts).
  const noRows = selectRows(train.x, EMPTY_ROWS);
  let folds: Int32Array[] = [];
  let jobs: FoldJob[];
  if (model.kind === "mlp") {
    // Members differ by seed only (runFold offsets it by the member index); each has its share of the hidden units.
    const member: FoldModelOptions = { kind: "mlp", options: { ...model.options, hiddenUnits: config.hiddenUnits / config.members } };
    jobs = Array.from({ length: config.members }, (_, m): FoldJob => ({ fold: m, train, valid: validForJobs, heldOut: noRows, model: member }));
  } else {
    const foldFractions = Array.from({ length: config.folds }, () => 1 / config.folds);
    folds =
      groups === undefined
        ? stratifiedSplit(train.y, { fractions: foldFractions, seed: config.seed + 1, minFirst: 0 })
        : groupedSplit(Array.from(trainIdx, (i) => groups[i] as string), { fractions: foldFractions, seed: config.seed + 1 });
    jobs = folds.map((held, fold): FoldJob => {
      const heldSet = new Uint8Array(train.y.length);
      for (const i of held) heldSet[i] = 1;
      const memberRows = Int32Array.from({ length: train.y.length }, (_, i) => i).filter((i) => heldSet[i] === 0);
      return { fold, train: part(memberRows, train), valid: validForJobs, heldOut: noRows, model };
    });
  }
  return {
    started,
    config,
    examples,
    dataFile,
    labelNames,
    space,
    train,
    valid,
    calibration,
    trainIndex: trainIdx,
    validIndex: validIdx,
    calibrationIndex: calibrationIdx,
    folds,
    jobs,
    grouped: groups !== undefined,
  };
}
