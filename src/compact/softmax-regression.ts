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
import { createRng, shuffleInPlace } from "./random.ts";
import { fitTemperature } from "./temperature.ts";
import { addScaledRowF32 } from "./kernels.ts";
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

export interface SoftmaxTrainingOptions {
  numClasses: number;
  optimizer?: "adagrad" | "adagrad-rowwise";
  learningRate?: number;
  /** Fraction of each weight decayed per epoch. */
  weightDecay?: number;
  /** AdaGrad's initial accumulator: damps the first steps of every coordinate. */
  initialAccumulator?: number;
  maxEpochs?: number;
  /** Stop after this many epochs without a better validation score. */
  patience?: number;
  /** Relative improvement of the validation loss an epoch needs to count as better (0 = any improvement). */
  minDelta?: number;
  /** "js" keeps the arithmetic in JavaScript (default: WebAssembly SIMD where available). */
  backend?: "auto" | "js";
  seed?: number;
  /** Probability of dropping each non-zero input of an example at each step (0 = off). */
  dropout?: number;
  /** Logit gradients smaller than this are skipped (classes the model already rules out for an example). */
  minGradient?: number;
  onEpoch?: (report: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  validLoss?: number;
  validAccuracy?: number;
  seconds: number;
}

export interface SoftmaxTrainingResult {
  model: SoftmaxWeights;
  bestEpoch: number;
  epochsRun: number;
  history: EpochReport[];
}

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

function validationScore(model: SoftmaxWeights, valid: LabeledMatrix): { loss: number; accuracy: number } {
  const logits = softmaxLogits(model, valid.x);
  const k = model.numClasses;
  let correct = 0;
  for (let i = 0; i < valid.x.rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((logits[i * k + c] as number) > (logits[i * k + best] as number)) best = c;
    if (best === valid.y[i]) correct++;
  }
  const fit = fitTemperature({ logits, labels: valid.y, numClasses: k }, { iterations: 25 });
  return { loss: fit.nllAfter, accuracy: valid.x.rows === 0 ? 0 : correct / valid.x.rows };
}

export function trainSoftmaxRegression(train: LabeledMatrix, valid: LabeledMatrix | undefined, options: SoftmaxTrainingOptions): SoftmaxTrainingResult {
  const k = options.numClasses;
  const d = train.x.cols;
  const lr = options.learningRate ?? 0.5;
  const maxEpochs = options.maxEpochs ?? 30;
  const patience = options.patience ?? 3;
  const rng = createRng(options.seed ?? 1);
  const initialAccumulator = options.initialAccumulator ?? 0.1;
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

  const history: EpochReport[] = [];
  let best: { loss: number; epoch: number; model: SoftmaxWeights } | undefined;
  let epoch = 0;
  const minGradient = options.minGradient ?? 1e-4;
  const dropout = options.dropout ?? 0;
  const minDelta = options.minDelta ?? 0;
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
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        const z = (bias[c] as number) + (out[c] as number);
        scores[c] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp((scores[c] as number) - max);
        scores[c] = e;
        sum += e;
      }
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
      for (let a = 0; a < active; a++) {
        const c = activeClass[a] as number;
        const g = activeGrad[a] as number;
        const s = (biasAcc[c] as number) + g * g;
        biasAcc[c] = s;
        bias[c] = (bias[c] as number) - (lr * g) / Math.sqrt(s);
      }
    }
    for (let row = 0; row < d; row++) decayRow(row);
    const report: EpochReport = { epoch, trainLoss: order.length === 0 ? 0 : lossSum / order.length, seconds: 0 };
    if (valid !== undefined && valid.x.rows > 0) {
      const current = snapshot();
      const score = validationScore(current, valid);
      report.validLoss = score.loss;
      report.validAccuracy = score.accuracy;
      // An epoch counts as better only if it lowers the loss by more than `minDelta` (relative): late epochs that shave off
      // a hair of validation loss cost as much as early ones and do not move accuracy.
      if (best === undefined || score.loss < best.loss * (1 - minDelta)) best = { loss: score.loss, epoch, model: current };
    }
    report.seconds = (performance.now() - started) / 1000;
    history.push(report);
    options.onEpoch?.(report);
    if (best !== undefined && epoch - best.epoch >= patience) break;
  }
  const epochsRun = Math.min(epoch, maxEpochs);
  if (best === undefined) return { model: snapshot(), bestEpoch: epochsRun, epochsRun, history };
  return { model: best.model, bestEpoch: best.epoch, epochsRun, history };
}
