/**
 * Cross-fitting: K fold models, each trained on K−1 folds of the data and scored on the fold it never saw. The out-of-fold
 * (OOF) scores certify the threshold; the served model is the average of the K fold models' weights. For linear models that
 * average *is* the logit-averaging ensemble, so it costs one model's size and one model's predict time, and it uses every
 * example for the weights (in our cross-validation it matched a model refit on all the data, see bench/notes/compact.md).
 *
 * Why the OOF certificate should carry over to the ensemble (an argument, not a theorem): each OOF score comes from a model
 * that saw (K−1)/K of the data and not the scored item, exactly as no member of the ensemble has seen a future request, and
 * the ensemble is more accurate than its members. It is not a proof: the ensemble is also somewhat more confident than a
 * single member (on the bench's test splits it kept 3-5 points more than the OOF coverage predicted). Measured, not assumed:
 * bench/compact-classifier.ts reports the test error at the stored threshold for every dataset (bench/notes/compact.md).

 * `runFold` is a pure function of plain data so it can run in a worker thread (fold-worker.mjs) as well as inline.
 */
import type { CsrMatrix } from "./sparse.ts";
import { trainSoftmaxRegression, type LabeledMatrix, type SoftmaxTrainingOptions, type SoftmaxWeights } from "./softmax-regression.ts";
import { trainMlp, type MlpTrainingOptions } from "./mlp-regression.ts";
import { createNetworkScorer, networkLogits } from "./network-scorer.ts";
import { modelLayers, type ClassifierWeights } from "./quantize.ts";

/** What one job trains: a linear softmax model or one with a hidden layer, with its optimizer options. */
export type FoldModelOptions = { kind: "linear"; options: Omit<SoftmaxTrainingOptions, "onEpoch"> } | { kind: "mlp"; options: Omit<MlpTrainingOptions, "onEpoch"> };

export interface FoldJob {
  /** Fold index; the refit job (trained on every fold, scoring nothing) has index K. */
  fold: number;
  train: LabeledMatrix;
  /** Early stopping split, shared by all folds (never part of any fold). */
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
  /** Logits of the validation split from the float and the int8 model (they calibrate the out-of-fold scores). */
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
  // The refit job scores nothing: its held-out set is empty, and the served model's validation logits are computed once
  // it is chosen (train-classifier.ts). A fold model is quantized once per dtype and scores both of its sets.
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

/** Places each fold's held-out logits back at their items' positions (`folds[f]` lists the rows of fold f). */
export function gatherOutOfFold(results: readonly FoldResult[], folds: readonly Int32Array[], rows: number, k: number, which: "heldOutFloat" | "heldOutInt8"): Float64Array {
  const out = new Float64Array(rows * k);
  for (const r of results) {
    if (r.fold >= folds.length) continue; // the refit model scores no fold
    const members = folds[r.fold] as Int32Array;
    const logits = r[which];
    for (let j = 0; j < members.length; j++) out.set(logits.subarray(j * k, (j + 1) * k), (members[j] as number) * k);
  }
  return out;
}
