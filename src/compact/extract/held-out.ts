/**
 * What the extractor's fitting steps learn from: held-out answers. `crossValidate` trains a ranker per field on k−1 folds
 * of the *fit* documents (memory from those folds only) and answers the held-out fold with the serving code path, once per
 * memory policy; `answerDocuments` does the same for a finished model on documents it never saw (the calibration split).
 * The fitting documents choose the memory policy and the logistic calibration; the calibration documents only test the
 * threshold (train.ts), so no answer is used both to fit a confidence and to certify it.
 */
import { calibrationFeatures } from "./calibration.ts";
import type { ExtractDocument } from "./document.ts";
import { ScoringSink } from "./feature-sink.ts";
import { ValueMemory } from "./memory.ts";
import { memoryAnswer, predictField, type FieldModel, type MemoryPolicy } from "./predict-field.ts";
import { trainRanker, type RankerOptions } from "./ranker.ts";
import { withMemory, type FeaturizedDocument } from "./train-groups.ts";
import { WeightTable } from "./weight-table.ts";
import { FEATURE_VERSION } from "./features.ts";
import type { FieldSpec } from "./candidates.ts";

export interface Prepared {
  doc: ExtractDocument;
  fields: Record<string, string | null>;
}

/** One labeled answer: the gold value and, per memory policy, the answer and its calibration features. */
export interface HeldOut {
  gold: string;
  answers: Array<{ value: string | null; features: number[] }>;
}

/** The ranker's training options, plus how many ranked lines an answer keeps. */
export interface HeldOutRankerOptions extends Omit<RankerOptions, "onEpoch"> {
  topLines: number;
}

/**
 * The memory policies a text field chooses from by held-out accuracy (the first among equals): answer the printed
 * spelling; re-spell values the memory knows exactly; snap the others within 5-15% character edits, with or without
 * re-spelling the known ones. Version-1 models only had the first two.
 */
export const MEMORY_POLICIES: MemoryPolicy[] = [
  { respell: false, editRate: 0 },
  { respell: true, editRate: 0 },
  ...[0.05, 0.1, 0.15].flatMap((editRate) => [{ respell: true, editRate }, { respell: false, editRate }]),
];

/** Trains one field's ranker on the documents `inTrain` accepts; its memory holds their labels only. */
export function fitFieldModel(
  prepared: readonly Prepared[],
  featurized: readonly FeaturizedDocument[],
  inTrain: (doc: number) => boolean,
  spec: FieldSpec,
  useMemory: boolean,
  options: HeldOutRankerOptions,
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

/**
 * The answers of `model` (trained on other documents) to `documents`' labeled field, under every memory policy: the model
 * answers the printed spelling once, each policy's answer is derived from it, as serving would.
 */
export function answerDocuments(model: FieldModel, documents: readonly Prepared[], topLines: number): HeldOut[] {
  const sink = new ScoringSink(model.weights); // one scoring buffer per model, reused for every document
  const out: HeldOut[] = [];
  for (const p of documents) {
    const gold = p.fields[model.spec.name];
    if (gold == null) continue;
    const raw = predictField(p.doc, { ...model, useMemorySpelling: false, memoryEditRate: 0 }, { topLines, sink });
    const { memory } = model;
    const answers = MEMORY_POLICIES.map((policy) => {
      if (raw.value === null || memory === null) return { value: raw.value, features: calibrationFeatures(raw.margin, false, 1, false) };
      const said = memoryAnswer(memory, raw.value, policy);
      return { value: said.value, features: calibrationFeatures(raw.margin, said.known, said.share, said.answersMemorySpelling) };
    });
    out.push({ gold, answers });
  }
  return out;
}

/** k-fold cross-validation over the documents `inFit` accepts: every one of them answered once by a model that never saw it. */
export function crossValidate(
  prepared: readonly Prepared[],
  featurized: readonly FeaturizedDocument[],
  inFit: (doc: number) => boolean,
  fold: Int32Array,
  folds: number,
  spec: FieldSpec,
  useMemory: boolean,
  options: HeldOutRankerOptions,
  onEpoch: (fold: number) => () => void,
): HeldOut[] {
  const heldOut: HeldOut[] = [];
  for (let k = 0; k < folds; k++) {
    const model = fitFieldModel(prepared, featurized, (i) => inFit(i) && fold[i] !== k, spec, useMemory, options, onEpoch(k));
    heldOut.push(...answerDocuments(model, prepared.filter((_, i) => inFit(i) && fold[i] === k), options.topLines));
  }
  return heldOut;
}
