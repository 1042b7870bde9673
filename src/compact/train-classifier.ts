/**
 * Training a compact classifier end to end: plan (split, featurize, fold jobs; train-plan.ts) → K fold models (cross-fit.ts)
 * → their average as the served model → int8 → temperature on validation → threshold certified on the out-of-fold scores.
 *
 * Everything after the fold models is here (`finishTraining`), shared by `trainClassifier` (folds one after the other, in
 * this thread) and `trainClassifierParallel` (folds in worker threads, train-parallel.ts).
 */
import { createRequire } from "node:module";
import { hashExamples } from "../data/labeled-texts.ts";
import { softmaxLogits } from "./softmax-regression.ts";
import { int8Logits, quantizeInt8 } from "./quantize.ts";
import { fitTemperature, maxSoftmax, meanNll } from "./temperature.ts";
import { labelFreeStart, plannedStart, selectThreshold, defaultThresholdGrid, type ThresholdSelection } from "./threshold.ts";
import { accuracyOf, macroF1Of } from "./metrics.ts";
import { createLinearClassifier, type LinearClassifier, type LinearClassifierParts } from "./linear-classifier.ts";
import { CLASSIFIER_META_SCHEMA, type ClassifierMeta, type SplitMetrics } from "./classifier-meta.ts";
import { averageModels, gatherOutOfFold, runFold, type FoldResult } from "./cross-fit.ts";
import { planTraining, type TrainClassifierOptions, type TrainingPlan } from "./train-plan.ts";

export type { TrainClassifierOptions, TrainProgress } from "./train-plan.ts";

export interface TrainedClassifier {
  /** The int8 model: the one that serves and that the threshold was certified for. */
  classifier: LinearClassifier;
  parts: LinearClassifierParts;
  /** The float model it was quantized from, calibrated the same way; for comparisons only. */
  floatClassifier: LinearClassifier;
  floatParts: LinearClassifierParts;
  threshold: ThresholdSelection;
  seconds: number;
}

function frugalVersion(): string {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

interface Scored {
  labels: Int32Array;
  predicted: Int32Array;
  confidences: Float64Array;
  correct: Uint8Array;
  nll: number;
}

function score(logits: Float64Array, labels: Int32Array, k: number, temperature: number): Scored {
  const n = labels.length;
  const predicted = new Int32Array(n);
  const confidences = new Float64Array(n);
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const { index, probability } = maxSoftmax(logits, i * k, k, temperature);
    predicted[i] = index;
    confidences[i] = probability;
    correct[i] = index === labels[i] ? 1 : 0;
  }
  return { labels, predicted, confidences, correct, nll: meanNll({ logits, labels, numClasses: k }, temperature) };
}

function splitMetrics(int8: Scored, float: Scored, labelNames: readonly string[]): SplitMetrics {
  const names = (idx: Int32Array): string[] => Array.from(idx, (i) => labelNames[i] as string);
  let agree = 0;
  for (let i = 0; i < int8.predicted.length; i++) if (int8.predicted[i] === float.predicted[i]) agree++;
  const n = int8.labels.length;
  return {
    n,
    accuracy: accuracyOf(names(int8.predicted), names(int8.labels)),
    floatAccuracy: accuracyOf(names(float.predicted), names(float.labels)),
    int8Agreement: n === 0 ? 1 : agree / n,
    macroF1: macroF1Of(names(int8.predicted), names(int8.labels)),
    nll: int8.nll,
  };
}

export function finishTraining(plan: TrainingPlan, results: readonly FoldResult[], onProgress?: TrainClassifierOptions["onProgress"]): TrainedClassifier {
  const { config, labelNames, space, valid, pool, folds } = plan;
  const k = labelNames.length;
  onProgress?.({ stage: "calibrate", done: 0, total: 1 });
  const ordered = [...results].sort((a, b) => a.fold - b.fold);
  const floatModel = averageModels(ordered.map((r) => r.model));
  const int8Model = quantizeInt8(floatModel);

  // Temperature on validation (unseen by every fold model, hence by the ensemble); threshold on the out-of-fold scores.
  const grid = defaultThresholdGrid();
  const calibrate = (validLogits: Float64Array, oofLogits: Float64Array) => {
    const temperature = valid.x.rows > 0 ? fitTemperature({ logits: validLogits, labels: valid.y, numClasses: k }).temperature : 1;
    const validScored = score(validLogits, valid.y, k, temperature);
    const calibScored = score(oofLogits, pool.y, k, temperature);
    // Where the fixed sequences start is decided on validation, so the out-of-fold labels are used by the tests alone.
    const startThresholds =
      valid.x.rows > 0
        ? [
            labelFreeStart(validScored.confidences, config.maxError, config.confidenceLevel, { grid, calibrationSize: pool.y.length }),
            plannedStart({ confidences: validScored.confidences, correct: validScored.correct, calibrationSize: pool.y.length, maxError: config.maxError, grid }),
          ]
        : undefined;
    const threshold = selectThreshold({
      confidences: calibScored.confidences,
      correct: calibScored.correct,
      maxError: config.maxError,
      confidenceLevel: config.confidenceLevel,
      grid,
      ...(startThresholds === undefined ? {} : { startThresholds }),
    });
    return { temperature, validScored, calibScored, threshold };
  };
  const int8 = calibrate(int8Logits(int8Model, valid.x), gatherOutOfFold(ordered, folds, pool.y.length, k, "heldOutInt8"));
  const float = calibrate(softmaxLogits(floatModel, valid.x), gatherOutOfFold(ordered, folds, pool.y.length, k, "heldOutFloat"));
  const seconds = (performance.now() - plan.started) / 1000;

  const makeMeta = (weights: "int8" | "float32", cal: typeof int8): ClassifierMeta => ({
    schema: CLASSIFIER_META_SCHEMA,
    labels: labelNames,
    featurizer: space.featurizer.config,
    weights,
    temperature: cal.temperature,
    threshold: { ...cal.threshold, value: Number.isFinite(cal.threshold.threshold) ? cal.threshold.threshold : null },
    training: {
      dataFile: plan.dataFile,
      dataHash: hashExamples(plan.examples),
      examples: plan.examples.length,
      // Every non-validation example trains K−1 fold models and is scored out-of-fold once: it is both.
      splits: { train: pool.y.length, validation: valid.y.length, calibration: pool.y.length },
      calibration: "out-of-fold",
      folds: config.folds,
      grouped: plan.grouped,
      seed: config.seed,
      epochs: Math.max(...ordered.map((r) => r.epochsRun)),
      bestEpoch: Math.round(ordered.reduce((a, r) => a + r.bestEpoch, 0) / ordered.length),
      foldEpochs: ordered.map((r) => r.bestEpoch),
      seconds,
      createdAt: new Date().toISOString(),
      frugalVersion: frugalVersion(),
      options: { ...config, featurizer: undefined },
      features: space.size,
    },
    metrics: {
      validation: splitMetrics(int8.validScored, float.validScored, labelNames),
      calibration: splitMetrics(int8.calibScored, float.calibScored, labelNames),
    },
  });
  const parts: LinearClassifierParts = {
    labels: labelNames,
    space,
    weights: int8Model.weights,
    scales: int8Model.scales,
    bias: int8Model.bias,
    temperature: int8.temperature,
    threshold: int8.threshold.threshold,
    meta: makeMeta("int8", int8),
  };
  const floatParts: LinearClassifierParts = {
    labels: labelNames,
    space,
    weights: floatModel.weights,
    bias: floatModel.bias,
    temperature: float.temperature,
    threshold: float.threshold.threshold,
    meta: makeMeta("float32", float),
  };
  onProgress?.({ stage: "calibrate", done: 1, total: 1 });
  return {
    classifier: createLinearClassifier(parts),
    parts,
    floatClassifier: createLinearClassifier(floatParts),
    floatParts,
    threshold: int8.threshold,
    seconds,
  };
}

/** Trains in this thread, one fold after the other (see `trainClassifierParallel` for the worker-thread version). */
export function trainClassifier(options: TrainClassifierOptions): TrainedClassifier {
  const plan = planTraining(options);
  const { maxEpochs } = plan.config;
  const total = plan.jobs.length * maxEpochs;
  const results = plan.jobs.map((job) =>
    runFold(job, (epoch) => options.onProgress?.({ stage: "train", done: job.fold * maxEpochs + epoch, total })),
  );
  return finishTraining(plan, results, options.onProgress);
}
