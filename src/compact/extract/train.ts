/**
 * trainExtractor: labeled documents in, a calibrated extractor with per-field error-bounded thresholds out.
 *
 *   1. infer each field's candidate generator from its labels (field-spec.ts);
 *   2. k-fold cross-validation inside the training data: train a ranker per field on k-1 folds (memory built from those
 *      folds only) and predict the held-out fold with the serving code path;
 *   3. from the held-out predictions: decide per field whether the memory's spelling helps, fit the calibration, choose the
 *      threshold (src/compact/threshold.ts, shared with the classifier);
 *   4. train the final rankers on all documents.
 * The thresholds are fitted on the fold models' held-out answers, a close and slightly pessimistic stand-in for the final
 * model trained on all folds (it saw 1/k more data).
 */
import { FrugalError } from "../../core/errors.ts";
import { applyCalibration, calibrationFeatures, fitCalibration } from "./calibration.ts";
import { prepareDocument, type ExtractDocument } from "./document.ts";
import { createRng, shuffleInPlace } from "../random.ts";
import { selectThreshold } from "../threshold.ts";
import { inferFieldSpec } from "./field-spec.ts";
import { FEATURE_VERSION } from "./features.ts";
import { ValueMemory } from "./memory.ts";
import { valuesMatch } from "./normalize.ts";
import { ScoringSink } from "./feature-sink.ts";
import { memoryAnswer, predictField, type FieldModel, type MemoryPolicy } from "./predict-field.ts";
import { trainRanker } from "./ranker.ts";
import { WeightTable } from "./weight-table.ts";
import { featurizeField, withMemory, type FeaturizedDocument } from "./train-groups.ts";
import { createExtractor, type ExtractorField, type TrainedExtractor } from "./model.ts";
import type { FieldSpec } from "./candidates.ts";
import { resolveTrainOptions, type FieldTrainingReport, type TrainExtractorOptions, type TrainExtractorReport } from "./train-options.ts";

export type { TrainExtractorOptions, TrainExtractorReport, FieldTrainingReport };

interface Prepared {
  doc: ExtractDocument;
  fields: Record<string, string | null>;
}

/**
 * The memory policies a text field chooses from by held-out accuracy (the first among equals): answer the printed
 * spelling; re-spell values the memory knows exactly; snap the others within 5-15% character edits, with or without
 * re-spelling the known ones. Version-1 models only had the first two.
 */
const MEMORY_POLICIES: MemoryPolicy[] = [
  { respell: false, editRate: 0 },
  { respell: true, editRate: 0 },
  ...[0.05, 0.1, 0.15].flatMap((editRate) => [{ respell: true, editRate }, { respell: false, editRate }]),
];

interface HeldOut {
  gold: string;
  /** Per MEMORY_POLICIES entry: the answer and its calibration features. */
  answers: Array<{ value: string | null; features: number[] }>;
}

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

/** Trains one field's ranker on the documents `inTrain` accepts; its memory holds their labels only. */
function fitFieldModel(
  prepared: readonly Prepared[],
  featurized: readonly FeaturizedDocument[],
  inTrain: (doc: number) => boolean,
  spec: FieldSpec,
  useMemory: boolean,
  options: ReturnType<typeof resolveTrainOptions>,
  onEpoch: () => void,
): FieldModel {
  let memory: ValueMemory | null = null;
  if (useMemory) {
    memory = new ValueMemory();
    prepared.forEach((p, i) => {
      const gold = p.fields[spec.name];
      if (inTrain(i) && gold !== null && gold !== undefined) memory?.add(gold);
    });
  }
  const groups = withMemory(featurized.filter((f) => inTrain(f.doc)), memory, options.dimension);
  const weights = trainRanker(groups, { dimension: options.dimension, epochs: options.epochs, learningRate: options.learningRate, l2: options.l2, seed: options.seed, onEpoch });
  return { spec, weights: WeightTable.fromDense(weights), memory, useMemorySpelling: false, featureVersion: FEATURE_VERSION, memoryEditRate: 0 };
}

export function trainExtractor(input: TrainExtractorOptions): { extractor: TrainedExtractor; report: TrainExtractorReport } {
  const started = performance.now();
  const options = resolveTrainOptions(input);
  const prepared: Prepared[] = input.documents.map((d) => ({ doc: prepareDocument(d.text, { maxChars: options.maxChars }), fields: d.fields }));
  const names = options.fields;
  if (prepared.length < options.folds * 2) {
    throw new FrugalError("input_invalid", `need at least ${options.folds * 2} labeled documents to train and calibrate an extractor with ${options.folds} folds, got ${prepared.length}`);
  }
  const specs = names.map((name) => {
    const labeled = prepared.filter((p) => p.fields[name] != null).length;
    if (labeled < options.folds * 2) throw new FrugalError("input_invalid", `field "${name}": only ${labeled} documents are labeled; need at least ${options.folds * 2}`);
    return inferFieldSpec(name, prepared.map((p) => ({ doc: p.doc, gold: p.fields[name] ?? null })));
  });
  const useMemory = specs.map((s) => options.memory && s.spec.type === "text");
  const docs = prepared.map((p) => p.doc);
  const featurized = specs.map(({ spec }) => featurizeField(docs, prepared.map((p) => p.fields[spec.name] ?? null), spec, options.dimension));

  // Folds from a seeded shuffle: reproducible, and independent of file order.
  const order = shuffleInPlace(prepared.map((_, i) => i), createRng(options.seed ^ 0x5eed));
  const fold = new Int32Array(prepared.length);
  order.forEach((docIndex, position) => (fold[docIndex] = position % options.folds));

  const totalSteps = (options.folds + 1) * names.length * options.epochs;
  let steps = 0;
  const tick = (info: string) => () => options.onProgress?.(++steps, totalSteps, info);

  const heldOut: HeldOut[][] = names.map(() => []);
  for (let k = 0; k < options.folds; k++) {
    const test = prepared.filter((_, i) => fold[i] === k);
    specs.forEach(({ spec }, f) => {
      const info = `fold ${k + 1}/${options.folds} · ${spec.name}`;
      const model = fitFieldModel(prepared, featurized[f] ?? [], (i) => fold[i] !== k, spec, useMemory[f] === true, options, tick(info));
      const sink = new ScoringSink(model.weights); // one scoring buffer per fold model, reused for every held-out document
      for (const p of test) {
        const gold = p.fields[spec.name];
        if (gold == null) continue;
        // The fold model answers the printed spelling; each policy's answer is derived from it, as serving would.
        const raw = predictField(p.doc, model, { topLines: options.topLines, sink });
        const { memory } = model;
        const answers = MEMORY_POLICIES.map((policy) => {
          if (raw.value === null || memory === null) return { value: raw.value, features: calibrationFeatures(raw.margin, false, 1, false) };
          const said = memoryAnswer(memory, raw.value, policy);
          return { value: said.value, features: calibrationFeatures(raw.margin, said.known, said.share, said.answersMemorySpelling) };
        });
        heldOut[f]?.push({ gold, answers });
      }
    });
  }

  const fields: ExtractorField[] = [];
  const reports: FieldTrainingReport[] = [];
  specs.forEach(({ spec, recall, labeled }, f) => {
    const items = heldOut[f] ?? [];
    const accuracyOf = (policy: number): number => items.filter((h) => valuesMatch(h.answers[policy]?.value ?? null, h.gold)).length / Math.max(1, items.length);
    const plainAccuracy = accuracyOf(0);
    let chosen = 0;
    let best = plainAccuracy;
    if (useMemory[f] === true) {
      MEMORY_POLICIES.forEach((_, policy) => {
        const accuracy = accuracyOf(policy);
        if (accuracy > best) [chosen, best] = [policy, accuracy];
      });
    }
    const policy = MEMORY_POLICIES[chosen] as MemoryPolicy;
    const scored = items.map((h) => {
      const answer = h.answers[chosen] ?? { value: null, features: calibrationFeatures(0, false, 1, false) };
      return { features: answer.features, correct: valuesMatch(answer.value, h.gold) };
    });
    const calibration = fitCalibration(scored);
    const confidences = Float64Array.from(scored, (s) => applyCalibration(calibration, s.features));
    const choice = selectThreshold({
      confidences,
      correct: Uint8Array.from(scored, (s) => (s.correct ? 1 : 0)),
      maxError: options.maxError,
      confidenceLevel: options.confidence,
    });
    const model = fitFieldModel(prepared, featurized[f] ?? [], () => true, spec, useMemory[f] === true, options, tick(`final · ${spec.name}`));
    model.useMemorySpelling = policy.respell;
    model.memoryEditRate = policy.editRate;
    fields.push({ model, calibration, threshold: choice.threshold });
    reports.push({
      name: spec.name,
      spec,
      labeled,
      candidateRecall: recall,
      heldOutAccuracy: best,
      heldOutAccuracyWithoutMemorySpelling: plainAccuracy,
      memoryEditRate: policy.editRate,
      memoryValues: model.memory?.size ?? 0,
      useMemorySpelling: policy.respell,
      calibration,
      threshold: Number.isFinite(choice.threshold) ? choice.threshold : null,
      thresholdMet: choice.certified,
      expectedCoverage: choice.coverage,
      heldOutSelectiveAccuracy: choice.kept === 0 ? null : 1 - choice.errors / choice.kept,
      errorUpperBound: choice.errorUpperBound,
      reliability: reliability(scored.map((x, i) => ({ confidence: confidences[i] as number, correct: x.correct }))),
    });
  });
  const trainMs = performance.now() - started;
  const report: TrainExtractorReport = {
    documents: prepared.length,
    folds: options.folds,
    maxError: options.maxError,
    confidence: options.confidence,
    fields: reports,
    meanHeldOutAccuracy: reports.reduce((s, r) => s + r.heldOutAccuracy, 0) / reports.length,
    trainMs,
  };
  const extractor = createExtractor({
    dimension: options.dimension,
    fields,
    maxChars: options.maxChars,
    topLines: options.topLines,
    training: { ...report, dataHash: input.dataHash ?? null, createdAt: new Date().toISOString(), options: options.recorded },
  });
  return { extractor, report };
}
