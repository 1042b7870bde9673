/**
 * Training a compact classifier end to end: plan (split, featurize, fold jobs; train-plan.ts) → K fold models (cross-fit.ts)
 * → their average as the served model → int8 → temperature on validation → threshold certified on the out-of-fold scores.
 *
 * Everything after the fold models is here (`finishTraining`), shared by `trainClassifier` (folds one after the other, in
 * this thread) and `trainClassifierParallel` (folds in worker threads, train-parallel.ts).
 */
import { frugalVersion } from "../core/version.ts";
import { hashExamples } from "../data/labeled-texts.ts";
import type { SoftmaxWeights } from "./softmax-regression.ts";
import { isMlp, modelLayers, type ClassifierWeights } from "./quantize.ts";
import { createNetworkScorer, networkLogits } from "./network-scorer.ts";
import { fitTemperature, maxSoftmax, meanNll } from "./temperature.ts";
import { labelFreeStart, plannedStart, selectThreshold, defaultThresholdGrid, type ThresholdSelection } from "./threshold.ts";
import { accuracyOf, macroF1Of } from "./metrics.ts";
import { createLinearClassifier, type LinearClassifier, type LinearClassifierParts } from "./linear-classifier.ts";
import { CLASSIFIER_META_SCHEMA, type ClassifierMeta, type SplitMetrics } from "./classifier-meta.ts";
import { averageModels, gatherOutOfFold, runFold, type FoldResult } from "./cross-fit.ts";
import { planTraining, type TrainClassifierOptions, type TrainingPlan } from "./train-plan.ts";
import { effectiveLearningRate } from "./train-options.ts";

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

/** The same validation items once per fold model: their logits side by side (n · folds rows), labels repeated. */
function stackValidation(results: readonly FoldResult[], which: "validFloat" | "validInt8", labels: Int32Array): { logits: Float64Array; labels: Int32Array } {
  const logits = new Float64Array(results.reduce((a, r) => a + r[which].length, 0));
  const stacked = new Int32Array(labels.length * results.length);
  results.forEach((r, f) => {
    logits.set(r[which], f * r[which].length);
    stacked.set(labels, f * labels.length);
  });
  return { logits, labels: stacked };
}

export function finishTraining(plan: TrainingPlan, results: readonly FoldResult[], onProgress?: TrainClassifierOptions["onProgress"]): TrainedClassifier {
  const { config, labelNames, space, valid, pool, folds } = plan;
  const k = labelNames.length;
  onProgress?.({ stage: "calibrate", done: 0, total: 1 });
  const ordered = results.filter((r) => r.fold < folds.length).sort((a, b) => a.fold - b.fold);
  const refit = results.find((r) => r.fold === folds.length);
  // Served: the model refit on every fold (hidden layer), or the average of the linear fold models (cross-fit.ts).
  const served: ClassifierWeights = refit?.model ?? averageModels(ordered.map((r) => r.model).filter((m): m is SoftmaxWeights => !isMlp(m)));

  // Two calibrations on the validation split, which no model trained on: the served model's temperature (what it serves),
  // and the fold models' (what their out-of-fold scores mean). Both then speak calibrated probabilities, so a threshold
  // certified on the fold models' out-of-fold confidences is read on the served model's confidences on the same scale.
  const grid = defaultThresholdGrid();
  // The served model quantized once per dtype: calibrated here, then shipped as is.
  const servedLayers = { int8: modelLayers(served, "int8"), float32: modelLayers(served, "float32") };
  const calibrate = (dtype: "int8" | "float32") => {
    const validLogits = networkLogits(createNetworkScorer(servedLayers[dtype]), valid.x);
    const foldValid = stackValidation(ordered, dtype === "int8" ? "validInt8" : "validFloat", valid.y);
    const oofLogits = gatherOutOfFold(ordered, folds, pool.y.length, k, dtype === "int8" ? "heldOutInt8" : "heldOutFloat");
    const fit = (logits: Float64Array, labels: Int32Array): number => (labels.length > 0 ? fitTemperature({ logits, labels, numClasses: k }).temperature : 1);
    const temperature = fit(validLogits, valid.y);
    const oofTemperature = fit(foldValid.logits, foldValid.labels);
    const validScored = score(validLogits, valid.y, k, temperature);
    const foldValidScored = score(foldValid.logits, foldValid.labels, k, oofTemperature);
    const calibScored = score(oofLogits, pool.y, k, oofTemperature);
    // Where the fixed sequences start is decided on validation (the fold models' scores, on the out-of-fold scale), so the
    // out-of-fold labels are used by the tests alone.
    const startThresholds =
      valid.x.rows > 0
        ? [
            labelFreeStart(foldValidScored.confidences, config.maxError, config.confidenceLevel, { grid, calibrationSize: pool.y.length }),
            plannedStart({ confidences: foldValidScored.confidences, correct: foldValidScored.correct, calibrationSize: pool.y.length, maxError: config.maxError, grid }),
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
    return { temperature, oofTemperature, validScored, calibScored, threshold };
  };
  const int8 = calibrate("int8");
  const float = calibrate("float32");
  const seconds = (performance.now() - plan.started) / 1000;
  // Shared by both model files (one hash of the training data, one timestamp).
  const dataHash = hashExamples(plan.examples);
  const createdAt = new Date().toISOString();
  const version = frugalVersion();

  const makeMeta = (weights: "int8" | "float32", cal: typeof int8): ClassifierMeta => ({
    schema: CLASSIFIER_META_SCHEMA,
    labels: labelNames,
    featurizer: space.featurizer.config,
    weights,
    hiddenUnits: isMlp(served) ? served.numHidden : 0,
    temperature: cal.temperature,
    threshold: { ...cal.threshold, value: Number.isFinite(cal.threshold.threshold) ? cal.threshold.threshold : null },
    training: {
      dataFile: plan.dataFile,
      dataHash,
      examples: plan.examples.length,
      // Every non-validation example trains K−1 fold models and is scored out-of-fold once: it is both.
      splits: { train: pool.y.length, validation: valid.y.length, calibration: pool.y.length },
      calibration: "out-of-fold",
      folds: config.folds,
      grouped: plan.grouped,
      seed: config.seed,
      served: refit === undefined ? "fold-average" : "refit",
      oofTemperature: cal.oofTemperature,
      epochs: Math.max(...results.map((r) => r.epochsRun)),
      bestEpoch: refit?.bestEpoch ?? Math.round(ordered.reduce((a, r) => a + r.bestEpoch, 0) / ordered.length),
      foldEpochs: ordered.map((r) => r.bestEpoch),
      seconds,
      createdAt,
      frugalVersion: version,
      options: { ...config, learningRate: effectiveLearningRate(config), featurizer: undefined },
      features: space.size,
    },
    metrics: {
      validation: splitMetrics(int8.validScored, float.validScored, labelNames),
      calibration: splitMetrics(int8.calibScored, float.calibScored, labelNames),
    },
  });
  const classifierParts = (dtype: "int8" | "float32", cal: typeof int8): LinearClassifierParts => ({
    labels: labelNames,
    space,
    layers: servedLayers[dtype],
    temperature: cal.temperature,
    threshold: cal.threshold.threshold,
    meta: makeMeta(dtype, cal),
  });
  const parts = classifierParts("int8", int8);
  const floatParts = classifierParts("float32", float);
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
