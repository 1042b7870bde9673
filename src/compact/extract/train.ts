/**
 * trainExtractor: labeled documents in, a calibrated extractor with per-field error-bounded thresholds out.
 *
 *   1. split the documents (seeded): *fit* (70%) and *calibration* (30%);
 *   2. infer each field's candidate generator from the fit documents' labels (field-spec.ts);
 *   3. k-fold cross-validation inside the fit documents (held-out.ts): from the held-out answers, choose per field whether
 *      and how the value memory re-spells answers, and fit the logistic confidence calibration;
 *   4. train the served rankers on all fit documents (memory: their labels);
 *   5. the served extractor answers the calibration documents, exactly as it will serve; each field's threshold is tested
 *      on those answers (src/compact/threshold.ts, shared with the classifier), the test sequences starting where the
 *      cross-validation answers say a test can pass.
 * So the answers that certify a threshold come from the model that serves, on documents that shaped neither its rankers,
 * its memory, its calibration, its memory policy nor where the test starts. The claim "kept error ≤ ε with confidence
 * 1 − δ" holds for documents exchangeable with the calibration split (issue 9). An earlier version fitted the calibration
 * and tested the thresholds on the same cross-validation answers of fold models, then served a model refit on all data.
 */
import { FrugalError } from "../../core/errors.ts";
import { applyCalibration, calibrationFeatures, fitCalibration } from "./calibration.ts";
import { prepareDocument } from "./document.ts";
import { createRng, shuffleInPlace } from "../random.ts";
import { certifyThreshold, type ScoredItems } from "../threshold.ts";
import { inferFieldSpec } from "./field-spec.ts";
import { valuesMatch } from "./normalize.ts";
import type { MemoryPolicy } from "./predict-field.ts";
import { featurizeField } from "./train-groups.ts";
import { createExtractor, type ExtractorField, type TrainedExtractor } from "./model.ts";
import { crossValidate, fitFieldModel, MEMORY_POLICIES, type HeldOut, type Prepared } from "./held-out.ts";
import { resolveTrainOptions, type FieldTrainingReport, type TrainExtractorOptions, type TrainExtractorReport } from "./train-options.ts";

export type { TrainExtractorOptions, TrainExtractorReport, FieldTrainingReport };

/**
 * The training procedure's version, for caches of trained models keyed by their data (src/pipeline): 2 certifies on a
 * held-out calibration split (issue 9); a model of version 1 must be retrained, not reused.
 */
export const EXTRACTOR_TRAINING_VERSION = 2;

/** Held-out answers in five equal bins by confidence, lowest first: is the confidence informative, and calibrated? */
function reliability(items: ReadonlyArray<{ confidence: number; correct: boolean }>): Array<{ n: number; meanConfidence: number; accuracy: number }> {
  const sorted = [...items].sort((a, b) => a.confidence - b.confidence);
  const bins = [];
  for (let b = 0; b < 5; b++) {
    const slice = sorted.slice(Math.floor((b * sorted.length) / 5), Math.floor(((b + 1) * sorted.length) / 5));
    if (slice.length === 0) continue;
    bins.push({
      n: slice.length,
      meanConfidence: slice.reduce((s, x) => s + x.confidence, 0) / slice.length,
      accuracy: slice.filter((x) => x.correct).length / slice.length,
    });
  }
  return bins;
}

/** The memory policy with the best held-out accuracy (the first among equals; text fields with a memory only). */
function choosePolicy(items: readonly HeldOut[], useMemory: boolean): { policy: number; accuracy: number; plainAccuracy: number } {
  const accuracyOf = (policy: number): number => items.filter((h) => valuesMatch(h.answers[policy]?.value ?? null, h.gold)).length / Math.max(1, items.length);
  const plainAccuracy = accuracyOf(0);
  let best = { policy: 0, accuracy: plainAccuracy, plainAccuracy };
  if (useMemory) {
    MEMORY_POLICIES.forEach((_, policy) => {
      const accuracy = accuracyOf(policy);
      if (accuracy > best.accuracy) best = { policy, accuracy, plainAccuracy };
    });
  }
  return best;
}

export interface TrainedExtractorResult {
  extractor: TrainedExtractor;
  report: TrainExtractorReport;
  /** Indices (into `documents`) of the fitting and the calibration documents, ascending. */
  splits: { fit: number[]; calibration: number[] };
  /**
   * Per field, the served extractor's answers to the calibration documents and the cross-validation answers that placed
   * the test's starts (confidence, right or wrong): `certifyThreshold` on them reproduces the field's threshold, and gives
   * the certificate at another ε.
   */
  scores: Record<string, { validation: ScoredItems; calibration: ScoredItems }>;
}

export function trainExtractor(input: TrainExtractorOptions): TrainedExtractorResult {
  const started = performance.now();
  const options = resolveTrainOptions(input);
  const prepared: Prepared[] = input.documents.map((d) => ({ doc: prepareDocument(d.text, { maxChars: options.maxChars }), fields: d.fields }));
  const names = options.fields;
  // Enough fit documents for two per fold, and at least one calibration document.
  const needed = Math.max(options.folds * 2 + 1, Math.ceil((options.folds * 2) / (1 - options.calibrationFraction)));
  if (prepared.length < needed) {
    throw new FrugalError("input_invalid", `need at least ${needed} labeled documents to train (${options.folds} folds) and certify an extractor, got ${prepared.length}`);
  }
  // The split and the folds from one seeded shuffle: reproducible, and independent of file order.
  const order = shuffleInPlace(prepared.map((_, i) => i), createRng(options.seed ^ 0x5eed));
  const calibrationCount = Math.max(1, Math.round(prepared.length * options.calibrationFraction));
  const inCalibration = new Uint8Array(prepared.length);
  const fold = new Int32Array(prepared.length);
  order.forEach((docIndex, position) => {
    if (position < calibrationCount) inCalibration[docIndex] = 1;
    else fold[docIndex] = (position - calibrationCount) % options.folds;
  });
  const inFit = (i: number): boolean => inCalibration[i] === 0;
  const fitDocs = prepared.filter((_, i) => inFit(i));
  const calibrationIndex = prepared.map((_, i) => i).filter((i) => !inFit(i));
  const calibrationDocs = calibrationIndex.map((i) => prepared[i] as Prepared);

  const specs = names.map((name) => {
    const labeled = fitDocs.filter((p) => p.fields[name] != null).length;
    if (labeled < options.folds * 2) throw new FrugalError("input_invalid", `field "${name}": only ${labeled} fitting documents are labeled; need at least ${options.folds * 2}`);
    return inferFieldSpec(name, fitDocs.map((p) => ({ doc: p.doc, gold: p.fields[name] ?? null })));
  });
  const useMemory = specs.map((s) => options.memory && s.spec.type === "text");
  const docs = prepared.map((p) => p.doc);
  // Calibration documents get no gold here: nothing they hold can reach a ranker.
  const featurized = specs.map(({ spec }) => featurizeField(docs, prepared.map((p, i) => (inFit(i) ? (p.fields[spec.name] ?? null) : null)), spec, options.dimension));

  const totalSteps = (options.folds + 1) * names.length * options.epochs;
  let steps = 0;
  const tick = (info: string) => () => options.onProgress?.(++steps, totalSteps, info);

  const fitted = specs.map(({ spec }, f) => {
    const heldOut = crossValidate(prepared, featurized[f] ?? [], inFit, fold, options.folds, spec, useMemory[f] === true, options, (k) => tick(`fold ${k + 1}/${options.folds} · ${spec.name}`));
    const choice = choosePolicy(heldOut, useMemory[f] === true);
    const policy = MEMORY_POLICIES[choice.policy] as MemoryPolicy;
    const scored = heldOut.map((h) => {
      const answer = h.answers[choice.policy] ?? { value: null, features: calibrationFeatures(0, false, 1, false) };
      return { features: answer.features, correct: valuesMatch(answer.value, h.gold) };
    });
    const calibration = fitCalibration(scored);
    const model = fitFieldModel(prepared, featurized[f] ?? [], inFit, spec, useMemory[f] === true, options, tick(`final · ${spec.name}`));
    model.useMemorySpelling = policy.respell;
    model.memoryEditRate = policy.editRate;
    const confidences = Float64Array.from(scored, (x) => applyCalibration(calibration, x.features));
    return { spec, model, calibration, choice, policy, scored, confidences };
  });

  // The served extractor (no thresholds yet) answers the calibration documents as it will answer requests.
  const parts = { dimension: options.dimension, maxChars: options.maxChars, topLines: options.topLines };
  const unthresholded = createExtractor({ ...parts, fields: fitted.map((x): ExtractorField => ({ model: x.model, calibration: x.calibration, threshold: Number.POSITIVE_INFINITY })), training: {} });
  const answers = calibrationIndex.map((i) => unthresholded.predict(input.documents[i]?.text ?? ""));

  const fields: ExtractorField[] = [];
  const scores: TrainedExtractorResult["scores"] = {};
  const reports: FieldTrainingReport[] = fitted.map((x, f) => {
    const name = x.spec.name;
    const confidences: number[] = [];
    const correct: number[] = [];
    calibrationDocs.forEach((p, d) => {
      const gold = p.fields[name];
      const answer = answers[d]?.[name];
      if (gold == null || answer === undefined) return;
      confidences.push(answer.confidence);
      correct.push(valuesMatch(answer.value, gold) ? 1 : 0);
    });
    scores[name] = { calibration: { confidences, correct }, validation: { confidences: x.confidences, correct: x.scored.map((s) => (s.correct ? 1 : 0)) } };
    const certificate = certifyThreshold({ ...scores[name], maxError: options.maxError, confidenceLevel: options.confidence });
    fields.push({ model: x.model, calibration: x.calibration, threshold: certificate.threshold });
    const spec = specs[f] as (typeof specs)[number];
    return {
      name,
      spec: x.spec,
      labeled: spec.labeled,
      candidateRecall: spec.recall,
      heldOutAccuracy: x.choice.accuracy,
      heldOutAccuracyWithoutMemorySpelling: x.choice.plainAccuracy,
      calibrationAccuracy: correct.length === 0 ? 0 : correct.reduce((a, b) => a + b, 0) / correct.length,
      calibrationSize: correct.length,
      memoryEditRate: x.policy.editRate,
      memoryValues: x.model.memory?.size ?? 0,
      useMemorySpelling: x.policy.respell,
      calibration: x.calibration,
      threshold: Number.isFinite(certificate.threshold) ? certificate.threshold : null,
      thresholdMet: certificate.certified,
      expectedCoverage: certificate.coverage,
      heldOutSelectiveAccuracy: certificate.kept === 0 ? null : 1 - certificate.errors / certificate.kept,
      errorUpperBound: certificate.errorUpperBound,
      thresholdStarts: certificate.starts,
      thresholdTests: certificate.tested,
      reliability: reliability(x.scored.map((s, i) => ({ confidence: x.confidences[i] as number, correct: s.correct }))),
    };
  });
  const trainMs = performance.now() - started;
  const report: TrainExtractorReport = {
    documents: prepared.length,
    fitDocuments: fitDocs.length,
    calibrationDocuments: calibrationDocs.length,
    folds: options.folds,
    maxError: options.maxError,
    confidence: options.confidence,
    fields: reports,
    meanHeldOutAccuracy: reports.reduce((s, r) => s + r.heldOutAccuracy, 0) / reports.length,
    trainMs,
  };
  const extractor = createExtractor({
    ...parts,
    fields,
    training: { ...report, trainingVersion: EXTRACTOR_TRAINING_VERSION, calibrationMethod: "holdout", dataHash: input.dataHash ?? null, createdAt: new Date().toISOString(), options: options.recorded },
  });
  return { extractor, report, splits: { fit: prepared.map((_, i) => i).filter(inFit), calibration: calibrationIndex }, scores };
}
