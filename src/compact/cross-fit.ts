/**
 * Member models. A linear classifier serves the average of K members, each trained on K−1 folds of the training split:
 * for linear models that average *is* the logit-averaging ensemble, so it costs one model's size and one model's predict
 * time, and on a dev split of BANKING77 it beat a single model trained on 90% of the data (bench/notes/compact.md). A
 * hidden-layer classifier's members all train on the whole training split, seeds apart; their logit average is one wider
 * hidden-layer model (`concatenateMlps`). Either way the served model is scored on
 * held-out data only once it is final (train-classifier.ts); members score their held-out rows only when a caller gives
 * some (`gatherOutOfFold`: out-of-fold scores for benches and cross-validation, never for the certificate).
 *
 * `runFold` is a pure function of plain data so it can run in a worker thread (fold-worker.mjs) as well as inline.
 */
import type { CsrMatrix } from "./sparse.ts";
import type { MlpWeights } from "./mlp-regression.ts";
import { trainSoftmaxRegression, type LabeledMatrix, type SoftmaxTrainingOptions, type SoftmaxWeights } from "./softmax-regression.ts";
import { trainMlp, type MlpTrainingOptions } from "./mlp-regression.ts";
import { createNetworkScorer, networkLogits } from "./network-scorer.ts";
import { modelLayers, type ClassifierWeights } from "./quantize.ts";

/** What one job trains: a linear softmax model or one with a hidden layer, with its optimizer options. */
export type FoldModelOptions = { kind: "linear"; options: Omit<SoftmaxTrainingOptions, "onEpoch"> } | { kind: "mlp"; options: Omit<MlpTrainingOptions, "onEpoch"> };

export interface FoldJob {
  /** Member index (a hidden-layer model: 0, its only member). */
  fold: number;
  train: LabeledMatrix;
  /** Early stopping split, shared by all members (never part of any fold). */
  valid: LabeledMatrix | undefined;
  heldOut: CsrMatrix;
  model: FoldModelOptions;
}

export interface FoldResult {
  fold: number;
  model: ClassifierWeights;
  bestEpoch: number;
  epochsRun: number;
  /** Logits of the held-out fold, from this fold's float model and from its int8 quantization. */
  heldOutFloat: Float64Array;
  heldOutInt8: Float64Array;
  /** Logits of the validation split from the float and the int8 model (empty when `heldOut` is: nothing to calibrate). */
  validFloat: Float64Array;
  validInt8: Float64Array;
}

const EMPTY_LOGITS = new Float64Array(0);

export function runFold(job: FoldJob, onEpoch?: (epoch: number) => void): FoldResult {
  const hooks = {
    // Each fold shuffles differently, as independent runs would.
    seed: (job.model.options.seed ?? 1) + 7919 * job.fold,
    ...(onEpoch === undefined ? {} : { onEpoch: (r: { epoch: number }) => onEpoch(r.epoch) }),
  };
  const result =
    job.model.kind === "mlp"
      ? trainMlp(job.train, job.valid, { ...job.model.options, ...hooks })
      : trainSoftmaxRegression(job.train, job.valid, { ...job.model.options, ...hooks });
  // A member with no held-out rows scores nothing: the served model's logits are computed once it is final
  // (train-classifier.ts). A member with held-out rows is quantized once per dtype and scores both of its sets.
  const scoresNothing = job.heldOut.rows === 0;
  const logitsOf = (dtype: "float32" | "int8"): { heldOut: Float64Array; valid: Float64Array } => {
    if (scoresNothing) return { heldOut: EMPTY_LOGITS.slice(), valid: EMPTY_LOGITS.slice() };
    const scorer = createNetworkScorer(modelLayers(result.model, dtype));
    return { heldOut: networkLogits(scorer, job.heldOut), valid: job.valid === undefined ? EMPTY_LOGITS.slice() : networkLogits(scorer, job.valid.x) };
  };
  const float = logitsOf("float32");
  const int8 = logitsOf("int8");
  return {
    fold: job.fold,
    model: result.model,
    bestEpoch: result.bestEpoch,
    epochsRun: result.epochsRun,
    heldOutFloat: float.heldOut,
    heldOutInt8: int8.heldOut,
    validFloat: float.valid,
    validInt8: int8.valid,
  };
}

/** The mean of linear fold models' weights and biases: the logit-averaging ensemble as one linear model. */
export function averageModels(models: readonly SoftmaxWeights[]): SoftmaxWeights {
  const first = models[0];
  if (first === undefined) throw new Error("no models to average");
  const weights = new Float32Array(first.weights.length);
  const bias = new Float32Array(first.bias.length);
  const sum = new Float64Array(first.weights.length);
  for (const m of models) for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (m.weights[i] as number);
  for (let i = 0; i < sum.length; i++) weights[i] = (sum[i] as number) / models.length;
  for (let c = 0; c < bias.length; c++) bias[c] = models.reduce((a, m) => a + (m.bias[c] as number), 0) / models.length;
  return { numFeatures: first.numFeatures, numClasses: first.numClasses, weights, bias };
}

/**
 * The logit average of hidden-layer models as one model: their hidden units side by side (layer 1's columns and biases
 * concatenated), layer 2 stacked and divided by the number of members, the output biases averaged. In exact arithmetic its
 * logits are the mean of the members' logits for every input, at the size and predict cost of one model that wide.
 */
export function concatenateMlps(models: readonly MlpWeights[]): MlpWeights {
  const first = models[0];
  if (first === undefined) throw new Error("no models to concatenate");
  const { numFeatures: d, numClasses: k } = first;
  if (models.some((m) => m.numFeatures !== d || m.numClasses !== k)) throw new Error("members differ in features or classes");
  if (models.length === 1) return first;
  const h = models.reduce((a, m) => a + m.numHidden, 0);
  const w1 = new Float32Array(d * h);
  const b1 = new Float32Array(h);
  const w2 = new Float32Array(h * k);
  const b2 = new Float32Array(k);
  const share = 1 / models.length;
  let offset = 0;
  for (const m of models) {
    const hm = m.numHidden;
    for (let r = 0; r < d; r++) w1.set(m.w1.subarray(r * hm, (r + 1) * hm), r * h + offset);
    b1.set(m.b1, offset);
    for (let j = 0; j < hm * k; j++) w2[offset * k + j] = (m.w2[j] as number) * share;
    for (let c = 0; c < k; c++) b2[c] = (b2[c] as number) + (m.b2[c] as number) * share;
    offset += hm;
  }
  return { numFeatures: d, numHidden: h, numClasses: k, w1, b1, w2, b2 };
}

/** Places each fold's held-out logits back at their items' positions (`folds[f]` lists the rows of fold f). */
export function gatherOutOfFold(results: readonly FoldResult[], folds: readonly Int32Array[], rows: number, k: number, which: "heldOutFloat" | "heldOutInt8"): Float64Array {
  const out = new Float64Array(rows * k);
  for (const r of results) {
    if (r.fold >= folds.length) continue; // a member outside the fold list scores no fold
    const members = folds[r.fold] as Int32Array;
    const logits = r[which];
    for (let j = 0; j < members.length; j++) out.set(logits.subarray(j * k, (j + 1) * k), (members[j] as number) * k);
  }
  return out;
}
