/**
 * Member models in worker threads: a linear classifier's K members are independent, so on a 2-core machine two train at
 * once. Same plan, same member function, same finish as the inline `trainClassifier`, so both give bit-identical models;
 * only the scheduling differs. `threads: 1`, or a single member (a hidden-layer model), trains inline. A worker that fails
 * fails the training, with the error, rather than silently retraining everything inline.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { FrugalError } from "../core/errors.ts";
import { runFold, type FoldJob, type FoldResult } from "./cross-fit.ts";
import { planTraining, type TrainClassifierOptions } from "./train-plan.ts";
import { finishTraining, type TrainedClassifier } from "./train-classifier.ts";

export interface ParallelTrainOptions extends TrainClassifierOptions {
  /** Worker threads (default: the machine's parallelism, at most one per member). 1 trains inline. */
  threads?: number;
}

type WorkerMessage = { type: "epoch"; fold: number; epoch: number } | { type: "done"; result: FoldResult } | { type: "error"; message: string };

async function runInWorkers(jobs: readonly FoldJob[], threads: number, onEpoch: (fold: number, epoch: number) => void): Promise<FoldResult[]> {
  const results: FoldResult[] = [];
  const workers: Worker[] = [];
  let next = 0;
  const workerLoop = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL("./fold-worker.mjs", import.meta.url));
      workers.push(worker);
      let finished = false;
      const feed = (): void => {
        const job = jobs[next++];
        if (job === undefined) {
          // Settle before terminating: terminate() makes the worker exit with code 1, which must not count as a failure.
          finished = true;
          resolve();
          void worker.terminate();
          return;
        }
        worker.postMessage(job);
      };
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "epoch") onEpoch(message.fold, message.epoch);
        else if (message.type === "done") {
          results.push(message.result);
          feed();
        } else reject(new FrugalError("internal", `training a fold failed: ${message.message}`));
      });
      worker.on("error", reject);
      worker.on("exit", (code) => {
        if (!finished) reject(new FrugalError("internal", `a training worker exited early (code ${code})`));
      });
      feed();
    });
  try {
    await Promise.all(Array.from({ length: Math.min(threads, jobs.length) }, workerLoop));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

export async function trainClassifierParallel(options: ParallelTrainOptions): Promise<TrainedClassifier> {
  const { threads: requested, ...rest } = options;
  const plan = planTraining(rest);
  const { maxEpochs } = plan.config;
  const threads = Math.max(1, Math.min(requested ?? availableParallelism(), plan.jobs.length));
  let epochsDone = 0;
  const onEpoch = (_fold: number, _epoch: number): void => {
    epochsDone++;
    // Members stop early at different epochs; the bar shows epochs done over the most there could be.
    options.onProgress?.({ stage: "train", done: epochsDone, total: plan.jobs.length * maxEpochs });
  };
  const results =
    threads === 1 ? plan.jobs.map((job) => runFold(job, (epoch) => onEpoch(job.fold, epoch))) : await runInWorkers(plan.jobs, threads, onEpoch);
  return finishTraining(plan, results, options.onProgress);
}
