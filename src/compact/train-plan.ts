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
import { selectRows, type CsrMatrix } from "./sparse.ts";
import type { FoldJob } from "./cross-fit.ts";
import type { LabeledMatrix } from "./softmax-regression.ts";
import { resolveTrainOptions, type TrainClassifierConfig, type TrainClassifierConfigInput } from "./train-options.ts";

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
  const config = resolveTrainOptions(rest);
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

  // File budget: per row, k int8 weights + a uint32 bucket + a float32 idf; the header and per-class tensors are small.
  const maxFeatures = Math.floor((config.maxModelBytes - 256 * 1024 - 16 * k) / (k + 8));
  onProgress?.({ stage: "featurize", done: 0, total: texts.length });
  const space = fitFeatureSpace(Array.from(poolIdx, (i) => texts[i] as string), { featurizer: config.featurizer, minDf: config.minDf, maxFeatures });
  const x = space.transformAll(texts, (done) => onProgress?.({ stage: "featurize", done, total: texts.length }));
  const part = (idx: Int32Array): LabeledMatrix => ({ x: selectRows(x, idx), y: Int32Array.from(idx, (i) => y[i] as number) });
  const valid = part(validIdx);
  const pool = part(poolIdx);

  const foldFractions = Array.from({ length: config.folds }, () => 1 / config.folds);
  const folds =
    groups === undefined
      ? stratifiedSplit(pool.y, { fractions: foldFractions, seed: config.seed + 1, minFirst: 0 })
      : groupedSplit(Array.from(poolIdx, (i) => groups[i] as string), { fractions: foldFractions, seed: config.seed + 1 });
  const jobs = folds.map((held, fold): FoldJob => {
    const heldSet = new Uint8Array(pool.y.length);
    for (const i of held) heldSet[i] = 1;
    const trainRows = Int32Array.from({ length: pool.y.length }, (_, i) => i).filter((i) => heldSet[i] === 0);
    const heldOut: CsrMatrix = selectRows(pool.x, held);
    return {
      fold,
      train: { x: selectRows(pool.x, trainRows), y: Int32Array.from(trainRows, (i) => pool.y[i] as number) },
      valid: valid.x.rows > 0 ? valid : undefined,
      heldOut,
      options: {
        numClasses: k,
        optimizer: config.optimizer,
        learningRate: config.learningRate,
        weightDecay: config.weightDecay,
        dropout: config.dropout,
        maxEpochs: config.maxEpochs,
        patience: config.patience,
        minDelta: config.minDelta,
        seed: config.seed,
      },
    };
  });
  return { started, config, examples, dataFile, labelNames, space, valid, pool, poolIndex: poolIdx, validIndex: validIdx, folds, jobs, grouped: groups !== undefined };
}
