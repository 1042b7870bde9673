/**
 * Multinomial logistic regression over sparse rows, trained with per-example AdaGrad.
 *
 * Why AdaGrad: text features are heavy-tailed (a few n-grams everywhere, most seen a handful of times); adaptive step sizes
 * let rare, informative n-grams move as fast as common ones, and one step touches only the rows of the example's non-zeros,
 * so an epoch costs O(nnz · classes) instead of O(features · classes). `adagrad` keeps one accumulator per weight;
 * `adagrad-rowwise` one per feature row (one square root per non-zero instead of one per non-zero and class).
 *
 * L2 is an optional decoupled weight decay (a fixed fraction of every weight per epoch) applied lazily: a row is decayed for
 * all the steps it missed when an example next touches it, and every row at the end of an epoch. Early stopping on a
 * held-out split keeps the weights of the epoch with the lowest temperature-calibrated log-loss (which rewards accuracy and
 * ranking, not over-confidence), counting only improvements larger than `minDelta`.
 */
import type { CsrMatrix } from "./sparse.ts";
import { shuffleInPlace } from "./random.ts";
import { createEarlyStopping, epochLoopSettings, scoreLogits, type EpochLoopOptions, type EpochReport, type TrainingOutcome, type ValidationScore } from "./early-stopping.ts";
import { addScaledRowF32, adagradBiasStep, expShiftInPlace } from "./kernels.ts";
import { createSoftmaxBackend } from "./softmax-backend.ts";

export interface SoftmaxWeights {
  numFeatures: number;
  numClasses: number;
  /** Row-major numFeatures × numClasses: the classes of one feature are contiguous (what a sparse dot product reads). */
  weights: Float32Array;
  bias: Float32Array;
}

export interface LabeledMatrix {
  x: CsrMatrix;
  /** Class index per row; negative = unknown to the model (ignored by training, counted wrong by metrics). */
  y: Int32Array;
}

export interface SoftmaxTrainingOptions extends EpochLoopOptions {
  optimizer?: "adagrad" | "adagrad-rowwise";
  /** Fraction of each weight decayed per epoch. */
  weightDecay?: number;
  /** Probability of dropping each non-zero input of an example at each step (0 = off). */
  dropout?: number;
  /** Logit gradients smaller than this are skipped (classes the model already rules out for an example). */
  minGradient?: number;
}

export type { EpochReport };

export type SoftmaxTrainingResult = TrainingOutcome<SoftmaxWeights>;

/** Logits of every row of `x` (n × k, row-major). */
export function softmaxLogits(model: SoftmaxWeights, x: CsrMatrix): Float64Array {
  const k = model.numClasses;
  const out = new Float64Array(x.rows * k);
  const { weights, bias } = model;
  const scores = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    scores.set(bias);
    for (let p = x.indptr[i] as number; p < (x.indptr[i + 1] as number); p++) {
      addScaledRowF32(scores, weights, (x.indices[p] as number) * k, k, x.values[p] as number);
    }
    out.set(scores, i * k);
  }
  return out;
}

function validationScore(model: SoftmaxWeights, valid: LabeledMatrix): ValidationScore {
  return scoreLogits(softmaxLogits(model, valid.x), valid.y, model.numClasses);
}

export function trainSoftmaxRegression(train: LabeledMatrix, valid: LabeledMatrix | undefined, options: SoftmaxTrainingOptions): SoftmaxTrainingResult {
  const k = options.numClasses;
  const d = train.x.cols;
  const { lr, maxEpochs, patience, rng, initialAccumulator } = epochLoopSettings(options, 0.5);
  // Hot loops read locals: V8 does not hoist property loads out of loops that write typed arrays.
  const { indptr, indices, values } = train.x;
  const labels = train.y;
  let maxNnz = 0;
  for (let i = 0; i < train.x.rows; i++) maxNnz = Math.max(maxNnz, (indptr[i + 1] as number) - (indptr[i] as number));
  // Row-wise AdaGrad keeps one accumulator per feature row instead of one per weight: one square root per non-zero instead
  // of one per (non-zero, class). Cheaper in JavaScript; per-weight AdaGrad was 0.3 points more accurate in
  // cross-validation and runs in WebAssembly SIMD (softmax-backend.ts).
  const rowwise = (options.optimizer ?? "adagrad") === "adagrad-rowwise";
  const backend = createSoftmaxBackend({
    numFeatures: d,
    numClasses: k,
    maxNnz,
    initialAccumulator,
    accumulators: !rowwise,
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  const { weights, stride, inRows, inValues, grad, out } = backend;
  const bias = new Float32Array(k);
  const rowAcc = rowwise ? new Float64Array(d).fill(initialAccumulator) : new Float64Array(0);
  const biasAcc = new Float64Array(k).fill(initialAccumulator);
  const lastStep = new Float64Array(d);
  const scores = new Float64Array(k);
  const activeClass = new Int32Array(k);
  const activeGrad = new Float64Array(k);
  const order = Int32Array.from({ length: train.x.rows }, (_, i) => i).filter((i) => (train.y[i] as number) >= 0);
  // ln of the per-step keep factor: (1 - decay)^(1/steps per epoch), so the decay per epoch is independent of data size.
  const logKeep = order.length === 0 ? 0 : Math.log(1 - Math.min(0.99, options.weightDecay ?? 0)) / order.length;
  let step = 0;
  const decayRow = (row: number): void => {
    const missed = step - (lastStep[row] as number);
    if (missed <= 0 || logKeep === 0) return;
    const factor = Math.exp(logKeep * missed);
    const base = row * stride;
    for (let c = 0; c < k; c++) weights[base + c] = (weights[base + c] as number) * factor;
    lastStep[row] = step;
  };
  const snapshot = (): SoftmaxWeights => ({ numFeatures: d, numClasses: k, weights: backend.compact(), bias: bias.slice() });

  const stopping = createEarlyStopping<SoftmaxWeights>({ minDelta: options.minDelta, patience, onEpoch: options.onEpoch });
  let epoch = 0;
  const minGradient = options.minGradient ?? 1e-4;
  const dropout = options.dropout ?? 0;
  const keepScale = 1 / (1 - dropout);
  for (epoch = 1; epoch <= maxEpochs; epoch++) {
    const started = performance.now();
    shuffleInPlace(order, rng);
    let lossSum = 0;
    for (let o = 0; o < order.length; o++) {
      const i = order[o] as number;
      const y = labels[i] as number;
      step++;
      // Input dropout: each non-zero is dropped with probability `dropout` and the rest rescaled, so the model cannot lean
      // on any single n-gram (feature noising is an adaptive regularizer for linear text models, Wager et al. 2013).
      let nnz = 0;
      for (let p = indptr[i] as number; p < (indptr[i + 1] as number); p++) {
        if (dropout > 0 && rng() < dropout) continue;
        const row = indices[p] as number;
        if (logKeep !== 0) decayRow(row);
        inRows[nnz] = row;
        inValues[nnz] = (values[p] as number) * keepScale;
        nnz++;
      }
      backend.forward(nnz);
      for (let c = 0; c < k; c++) scores[c] = (bias[c] as number) + (out[c] as number);
      const sum = expShiftInPlace(scores, k);
      lossSum += Math.log(sum) - Math.log(scores[y] as number);
      // The gradient w.r.t. the logits is p − onehot(y). Classes the model already gives (almost) no mass contribute
      // (almost) nothing; skipping them is what makes late epochs cheap.
      let active = 0;
      for (let c = 0; c < k; c++) {
        const g = (scores[c] as number) / sum - (c === y ? 1 : 0);
        const keep = g > minGradient || g < -minGradient;
        grad[c] = keep ? g : 0;
        if (keep) {
          activeClass[active] = c;
          activeGrad[active] = g;
          active++;
        }
      }
      if (rowwise) {
        let g2 = 0;
        for (let a = 0; a < active; a++) g2 += (activeGrad[a] as number) ** 2;
        for (let q = 0; q < nnz; q++) {
          const v = inValues[q] as number;
          const row = inRows[q] as number;
          const base = row * stride;
          const s = (rowAcc[row] as number) + v * v * g2;
          rowAcc[row] = s;
          const stepSize = (lr * v) / Math.sqrt(s);
          for (let a = 0; a < active; a++) {
            const at = base + (activeClass[a] as number);
            weights[at] = (weights[at] as number) - stepSize * (activeGrad[a] as number);
          }
        }
      } else backend.update(nnz, lr);
      for (let a = 0; a < active; a++) adagradBiasStep(bias, biasAcc, activeClass[a] as number, activeGrad[a] as number, lr);
    }
    for (let row = 0; row < d; row++) decayRow(row);
    const current = valid !== undefined && valid.x.rows > 0 ? snapshot() : undefined;
    const score = current === undefined || valid === undefined ? undefined : validationScore(current, valid);
    if (stopping.endEpoch(epoch, order.length === 0 ? 0 : lossSum / order.length, started, score, () => current as SoftmaxWeights)) break;
  }
  return stopping.outcome(Math.min(epoch, maxEpochs), snapshot);
}
