/**
 * The compact field extractor: candidates per field (line windows, in-line spans, typed dates and amounts), a listwise
 * linear ranker per field, logistic-calibrated confidences and error-bounded per-field thresholds, in one model file.
 *
 *   trainExtractor({ documents })            → { extractor, report, splits, scores }
 *   saveExtractor(extractor, file)            → bytes written
 *   loadCompactExtractor(file)                → CompactExtractor (+ predictDetailed, parts)
 *   evaluateExtractor(extractor, documents)   → the `frugal eval --json` object
 *   reducedContext(text, prediction(s), { window }) / estimateTokensSaved(...) → prompt reduction for escalated fields
 */
export { trainExtractor, EXTRACTOR_TRAINING_VERSION, type TrainedExtractorResult, type TrainExtractorOptions, type TrainExtractorReport, type FieldTrainingReport } from "./train.ts";
export { loadCompactExtractor, saveExtractor, createExtractor, EXTRACTOR_KIND, type TrainedExtractor, type ExtractorRuntimeOptions, type ExtractorParts } from "./model.ts";
export { evaluateExtractor, sweepCurve, type ExtractEvalReport, type FieldEvaluation, type CurvePoint } from "./evaluate.ts";
export { reducedContext, documentLines, createTokenCounter, estimateTokensSaved, promptReduction, type PromptReduction, type ReducedContext, type TokenCounter, type TokenSavings } from "./reduce.ts";
export { normalizeForMatch, valuesMatch, cleanValue } from "./normalize.ts";
export { DEFAULT_MAX_CHARS } from "./document.ts";
