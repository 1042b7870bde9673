/**
 * The compact classifier's public API: train (from examples or a file), load a model file, evaluate. The featurizer and the
 * sparse softmax trainer are exported too, for other compact models (the field extractor) to reuse.
 */
export type { ClassifierPrediction, CompactClassifier, CompactExtractor, CompactModel, FieldPrediction } from "./types.ts";

export { trainClassifier, finishTraining, type TrainClassifierOptions, type TrainedClassifier, type TrainProgress } from "./train-classifier.ts";
export { planTraining, type TrainingPlan } from "./train-plan.ts";
export { trainClassifierParallel, type ParallelTrainOptions } from "./train-parallel.ts";
export { runFold, averageModels, concatenateMlps, gatherOutOfFold, type FoldJob, type FoldResult, type FoldModelOptions } from "./cross-fit.ts";
export { trainClassifierFile, CERTIFICATE_ASSUMPTION, type TrainClassifierFileOptions, type TrainClassifierFileResult, type TrainingSummary } from "./train-from-file.ts";
export { trainClassifierOptionsSchema, resolveTrainOptions, effectiveLearningRate, type TrainClassifierConfig, type TrainClassifierConfigInput } from "./train-options.ts";
export { loadCompactClassifier, classifierToContents, classifierFromContents, saveClassifierFile, CLASSIFIER_KIND } from "./classifier-file.ts";
export { createLinearClassifier, type LinearClassifier, type LinearClassifierParts } from "./linear-classifier.ts";
export { classifierMetaSchema, upgradeClassifierMeta, CLASSIFIER_META_SCHEMA, type ClassifierMeta, type SplitMetrics, type ThresholdMeta } from "./classifier-meta.ts";
export { evaluateClassifier, type ClassifierEvaluation, type EvaluateClassifierOptions } from "./evaluate.ts";
export { accuracyOf, macroF1Of, riskCoverageCurve, selectiveAt, percentile, nearestPoint, CURVE_COVERAGES, type CurvePoint, type SelectiveResult } from "./metrics.ts";

// Building blocks for other compact models.
export { createFeaturizer, featurizerConfigSchema, normalizeText, type Featurizer, type FeaturizerConfig, type FeaturizerConfigInput, type HashedFeatures } from "./featurizer.ts";
export { fitFeatureSpace, createFeatureSpace, type FeatureSpace, type FitFeatureSpaceOptions } from "./feature-space.ts";
export { createSparseVector, CsrBuilder, selectRows, type CsrMatrix, type SparseVector } from "./sparse.ts";
export { trainSoftmaxRegression, softmaxLogits, type SoftmaxWeights, type SoftmaxTrainingOptions, type SoftmaxTrainingResult, type LabeledMatrix } from "./softmax-regression.ts";
export { trainMlp, type MlpWeights, type MlpTrainingOptions, type MlpTrainingResult } from "./mlp-regression.ts";
export { quantizeInt8, dequantizeInt8, int8Logits, modelLayers, modelLogits, isMlp, type Int8Weights, type ClassifierWeights } from "./quantize.ts";
export { createNetworkScorer, networkLogits, type DenseLayer, type NetworkScorer } from "./network-scorer.ts";
export { createInt8Scorer, type Int8Scorer, type Int8ScorerModel } from "./int8-scorer.ts";
export { createSoftmaxBackend, type SoftmaxBackend } from "./softmax-backend.ts";
export { fitTemperature, meanNll, maxSoftmax, type TemperatureFit } from "./temperature.ts";
export { selectThreshold, certifyThreshold, labelFreeStart, plannedStart, defaultThresholdGrid, countsAlongGrid, type ThresholdSelection, type ThresholdSelectionInput, type ScoredItems } from "./threshold.ts";
export { binomialCdf, clopperPearsonUpper, clopperPearsonInterval, minimumCertifiableCount } from "./binomial.ts";
export { createRng, shuffleInPlace, stratifiedSplit, groupedSplit, type Rng } from "./random.ts";
export { peekModelKind, readModelFile, writeModelFile, MODEL_FILE_VERSION } from "./model-file.ts";
