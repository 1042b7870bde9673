/**
 * The end of a training epoch, shared by the linear and the hidden-layer trainers: score the validation split, keep the
 * weights of the best epoch, stop after `patience` epochs without improvement.
 *
 * "Best" is the lowest temperature-calibrated log-loss, not accuracy: it rewards being right *and* being calibrated, which
 * is what the escalation threshold is later fitted on. An epoch counts as better only if it lowers that loss by more than
 * `minDelta` (relative): late epochs that shave off a hair of validation loss cost as much as early ones and do not move
 * accuracy.
 */
import { fitTemperature } from "./temperature.ts";
import { createRng, type Rng } from "./random.ts";

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  validLoss?: number;
  validAccuracy?: number;
  seconds: number;
}

/** What both trainers (linear and hidden-layer) take to run their epochs. */
export interface EpochLoopOptions {
  numClasses: number;
  learningRate?: number;
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
  onEpoch?: (report: EpochReport) => void;
}

export interface ValidationScore {
  loss: number;
  accuracy: number;
}

export interface TrainingOutcome<M> {
  model: M;
  bestEpoch: number;
  epochsRun: number;
  history: EpochReport[];
}

/** Accuracy of the arg-max and temperature-calibrated log-loss of `logits` (rows × k, row-major) against `labels`. */
export function scoreLogits(logits: Float64Array, labels: Int32Array, k: number): ValidationScore {
  const rows = labels.length;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((logits[i * k + c] as number) > (logits[i * k + best] as number)) best = c;
    if (best === labels[i]) correct++;
  }
  const fit = fitTemperature({ logits, labels, numClasses: k }, { iterations: 25 });
  return { loss: fit.nllAfter, accuracy: rows === 0 ? 0 : correct / rows };
}

export interface EarlyStopping<M> {
  /** Records the epoch that started at `startedMs` (performance.now()); returns true when training should stop. */
  endEpoch(epoch: number, trainLoss: number, startedMs: number, score: ValidationScore | undefined, model: () => M): boolean;
  /** The best epoch's weights, or the last ones (`last`) when nothing was validated. */
  outcome(epochsRun: number, last: () => M): TrainingOutcome<M>;
}

export function createEarlyStopping<M>(options: { minDelta?: number | undefined; patience: number; onEpoch?: ((report: EpochReport) => void) | undefined }): EarlyStopping<M> {
  const minDelta = options.minDelta ?? 0;
  const history: EpochReport[] = [];
  let best: { loss: number; epoch: number; model: M } | undefined;
  return {
    endEpoch(epoch, trainLoss, startedMs, score, model) {
      const report: EpochReport = { epoch, trainLoss, seconds: 0 };
      if (score !== undefined) {
        report.validLoss = score.loss;
        report.validAccuracy = score.accuracy;
        if (best === undefined || score.loss < best.loss * (1 - minDelta)) best = { loss: score.loss, epoch, model: model() };
      }
      report.seconds = (performance.now() - startedMs) / 1000;
      history.push(report);
      options.onEpoch?.(report);
      return best !== undefined && epoch - best.epoch >= options.patience;
    },
    outcome(epochsRun, last) {
      if (best === undefined) return { model: last(), bestEpoch: epochsRun, epochsRun, history };
      return { model: best.model, bestEpoch: best.epoch, epochsRun, history };
    },
  };
}

/** The loop settings every trainer reads from its options, with their shared defaults. */
export function epochLoopSettings(options: EpochLoopOptions, defaultLearningRate: number): { lr: number; maxEpochs: number; patience: number; rng: Rng; initialAccumulator: number } {
  return {
    lr: options.learningRate ?? defaultLearningRate,
    maxEpochs: options.maxEpochs ?? 30,
    patience: options.patience ?? 3,
    rng: createRng(options.seed ?? 1),
    initialAccumulator: options.initialAccumulator ?? 0.1,
  };
}
