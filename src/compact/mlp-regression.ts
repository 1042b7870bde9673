/**
 * A softmax classifier with one ReLU hidden layer over the sparse TF-IDF rows, trained example by example with AdaGrad.
 *
 * Why a hidden layer: a linear model over n-grams scores each n-gram for each intent independently; intents that share most
 * of their words ("top up failed" / "top up reverted" / "pending top up") are separated by *combinations* of n-grams, which
 * a hidden layer can represent and a linear model cannot. On BANKING77 train (cross-validated, bench/notes/compact.md) it
 * is the change that moved accuracy by more than the noise; every feature and regularization variant of the linear model
 * did not. Layer 1 is sparse (an example touches only its n-grams' rows), so an epoch costs O(nnz · hidden), like the
 * linear model's O(nnz · classes).
 *
 * Regularization is dropout on the hidden units (and early stopping on the validation split's temperature-calibrated
 * log-loss, as for the linear model). Layer 1 starts small (`initScale`) so that training, not the random start, decides
 * what the hidden units respond to: a unit-variance start behaves like fixed random features and generalizes worse.
 */
import type { CsrMatrix } from "./sparse.ts";
import { shuffleInPlace, type Rng } from "./random.ts";
import { createEarlyStopping, epochLoopSettings, scoreLogits, type EpochLoopOptions, type TrainingOutcome, type ValidationScore } from "./early-stopping.ts";
import { createMlpBackend } from "./mlp-backend.ts";
import { adagradBiasStep, expShiftInPlace } from "./kernels.ts";
import type { LabeledMatrix } from "./softmax-regression.ts";

export interface MlpWeights {
  numFeatures: number;
  numHidden: number;
  numClasses: number;
  /** numFeatures × numHidden, row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** numHidden × numClasses, row-major. */
  w2: Float32Array;
  b2: Float32Array;
}

export interface MlpTrainingOptions extends EpochLoopOptions {
  /** Hidden units (a multiple of 16, the SIMD kernels' step). */
  hiddenUnits: number;
  /** Probability of dropping each hidden unit at each step. */
  hiddenDropout?: number;
  /** Standard deviation of layer 1's initial weights. */
  initScale?: number;
}

export type MlpTrainingResult = TrainingOutcome<MlpWeights>;

function gaussian(rng: Rng): number {
  const u = rng() || Number.MIN_VALUE;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export function trainMlp(train: LabeledMatrix, valid: LabeledMatrix | undefined, options: MlpTrainingOptions): MlpTrainingResult {
  const k = options.numClasses;
  const h = options.hiddenUnits;
  const d = train.x.cols;
  const { lr, maxEpochs, patience, rng, initialAccumulator } = epochLoopSettings(options, 0.1);
  const dropout = options.hiddenDropout ?? 0.5;
  const keepScale = 1 / (1 - dropout);
  let maxNnz = 0;
  for (const m of [train.x, valid?.x]) {
    if (m === undefined) continue;
    for (let i = 0; i < m.rows; i++) maxNnz = Math.max(maxNnz, (m.indptr[i + 1] as number) - (m.indptr[i] as number));
  }
  const backend = createMlpBackend({ numFeatures: d, numHidden: h, numClasses: k, maxNnz, initialAccumulator, ...(options.backend === undefined ? {} : { backend: options.backend }) });
  const { w1, w2, stride, inRows, inValues, hidden, hRows, hValues, gradHidden, gradOut, out } = backend;
  const initScale = options.initScale ?? 0.05;
  for (let i = 0; i < w1.length; i++) w1[i] = initScale * gaussian(rng);
  for (let j = 0; j < h; j++) for (let c = 0; c < k; c++) w2[j * stride + c] = gaussian(rng) / Math.sqrt(h);
  const b1 = new Float32Array(h);
  const b2 = new Float32Array(k);
  const b1Acc = new Float64Array(h).fill(initialAccumulator);
  const b2Acc = new Float64Array(k).fill(initialAccumulator);
  const scores = new Float64Array(k);

  // Layer 1 on the example loaded into inRows/inValues, ReLU (and dropout when training) into hRows/hValues, layer 2 into
  // `scores` (logits). Returns the number of active hidden units.
  const forward = (nnz: number, training: boolean): number => {
    backend.forward1(nnz);
    let active = 0;
    for (let j = 0; j < h; j++) {
      const a = (hidden[j] as number) + (b1[j] as number);
      if (a <= 0 || (training && dropout > 0 && rng() < dropout)) continue;
      hRows[active] = j;
      hValues[active] = training ? a * keepScale : a;
      active++;
    }
    backend.forward2(active);
    for (let c = 0; c < k; c++) scores[c] = (b2[c] as number) + (out[c] as number);
    return active;
  };
  const load = (m: CsrMatrix, i: number): number => {
    let nnz = 0;
    for (let p = m.indptr[i] as number; p < (m.indptr[i + 1] as number); p++) {
      inRows[nnz] = m.indices[p] as number;
      inValues[nnz] = m.values[p] as number;
      nnz++;
    }
    return nnz;
  };
  const snapshot = (): MlpWeights => {
    const w2c = new Float32Array(h * k);
    for (let j = 0; j < h; j++) w2c.set(w2.subarray(j * stride, j * stride + k), j * k);
    return { numFeatures: d, numHidden: h, numClasses: k, w1: w1.slice(), b1: b1.slice(), w2: w2c, b2: b2.slice() };
  };
  const validationScore = (set: LabeledMatrix): ValidationScore => {
    const logits = new Float64Array(set.x.rows * k);
    for (let i = 0; i < set.x.rows; i++) {
      forward(load(set.x, i), false);
      for (let c = 0; c < k; c++) logits[i * k + c] = scores[c] as number;
    }
    return scoreLogits(logits, set.y, k);
  };

  const order = Int32Array.from({ length: train.x.rows }, (_, i) => i).filter((i) => (train.y[i] as number) >= 0);
  const stopping = createEarlyStopping<MlpWeights>({ minDelta: options.minDelta, patience, onEpoch: options.onEpoch });
  let epoch = 0;
  for (epoch = 1; epoch <= maxEpochs; epoch++) {
    const started = performance.now();
    shuffleInPlace(order, rng);
    let lossSum = 0;
    for (let o = 0; o < order.length; o++) {
      const i = order[o] as number;
      const y = train.y[i] as number;
      const nnz = load(train.x, i);
      const active = forward(nnz, true);
      const sum = expShiftInPlace(scores, k);
      lossSum += Math.log(sum) - Math.log(scores[y] as number);
      for (let c = 0; c < k; c++) gradOut[c] = (scores[c] as number) / sum - (c === y ? 1 : 0);
      // Back to the hidden units through W2 as it was in the forward pass (before its update); dropped and inactive units
      // get no gradient, so layer 1's update leaves their columns unchanged.
      gradHidden.fill(0);
      for (let a = 0; a < active; a++) {
        const j = hRows[a] as number;
        const base = j * stride;
        let g = 0;
        for (let c = 0; c < k; c++) g += (gradOut[c] as number) * (w2[base + c] as number);
        gradHidden[j] = g * keepScale;
      }
      backend.update2(active, lr);
      backend.update1(nnz, lr);
      for (let c = 0; c < k; c++) adagradBiasStep(b2, b2Acc, c, gradOut[c] as number, lr);
      for (let a = 0; a < active; a++) {
        const j = hRows[a] as number;
        adagradBiasStep(b1, b1Acc, j, gradHidden[j] as number, lr);
      }
    }
    const score = valid !== undefined && valid.x.rows > 0 ? validationScore(valid) : undefined;
    if (stopping.endEpoch(epoch, order.length === 0 ? 0 : lossSum / order.length, started, score, snapshot)) break;
  }
  return stopping.outcome(Math.min(epoch, maxEpochs), snapshot);
}
