/**
 * Why the compact classifier cross-fits: on BANKING77 *train* only (an 80/20 dev split; the test set is not read), compare
 * single models trained on growing shares of the 80% (the learning curve: what a held-out calibration split costs) with the
 * average of K fold models (what cross-fitting serves). Same featurizer and optimizer as the defaults; early stopping on
 * 10% of the fit part for the single models, on the held-out fold for the fold models.
 * Run: `node --import tsx bench/compact-crossfit.ts [fold counts, default 3 5]`
 */
import { loadavg } from "node:os";
import { readLabeledTexts } from "../src/data/labeled-texts.ts";
import { averageModels, effectiveLearningRate, fitFeatureSpace, resolveTrainOptions, selectRows, softmaxLogits, stratifiedSplit, trainSoftmaxRegression, type SoftmaxWeights } from "../src/compact/index.ts";

const set = readLabeledTexts("examples/banking77/train.csv");
const index = new Map(set.labels.map((l, i) => [l, i]));
const y = Int32Array.from(set.examples, (e) => index.get(e.label) as number);
const k = set.labels.length;
const [fit, dev] = stratifiedSplit(y, { fractions: [0.8, 0.2], seed: 7 }) as [Int32Array, Int32Array];
const defaults = resolveTrainOptions({});
const space = fitFeatureSpace(Array.from(fit, (i) => set.examples[i]?.text as string), { featurizer: defaults.featurizer });
const x = space.transformAll(set.examples.map((e) => e.text));
const devX = selectRows(x, dev);
const part = (rows: ArrayLike<number>) => ({ x: selectRows(x, rows), y: Int32Array.from(rows, (i) => y[i] as number) });
const options = { numClasses: k, optimizer: defaults.optimizer, learningRate: effectiveLearningRate({ ...defaults, hiddenUnits: 0 }) /* the linear model's default step, as the trainer uses */, maxEpochs: defaults.maxEpochs, patience: defaults.patience, minDelta: defaults.minDelta };
const devAccuracy = (m: SoftmaxWeights): number => {
  const logits = softmaxLogits(m, devX);
  let right = 0;
  for (let i = 0; i < dev.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((logits[i * k + c] as number) > (logits[i * k + best] as number)) best = c;
    if (best === y[dev[i] as number]) right++;
  }
  return right / dev.length;
};
const fitY = Int32Array.from(fit, (i) => y[i] as number);
console.log(`compact cross-fit study — ${new Date().toISOString()} — BANKING77 train: fit ${fit.length}, dev ${dev.length}; load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const foldCounts = process.argv.slice(2).map(Number).filter((n) => n >= 2);
for (const share of foldCounts.length > 0 ? [] : [0.45, 0.63, 0.72, 0.9]) {
  const [trainPart, validPart] = stratifiedSplit(fitY, { fractions: [share, 0.1, 0.9 - share], seed: 3 }) as [Int32Array, Int32Array];
  const rows = Array.from(trainPart, (j) => fit[j] as number);
  const r = trainSoftmaxRegression(part(rows), part(Array.from(validPart, (j) => fit[j] as number)), { ...options, seed: 1 });
  console.log(`single model on ${rows.length} examples (${(share * 100).toFixed(0)}% of fit): dev accuracy ${devAccuracy(r.model).toFixed(4)} (epoch ${r.bestEpoch})`);
}
for (const folds of foldCounts.length > 0 ? foldCounts : [3, 5]) {
  const parts = stratifiedSplit(fitY, { fractions: Array.from({ length: folds }, () => 1 / folds), seed: 5, minFirst: 0 });
  const cpu0 = process.cpuUsage();
  const models = parts.map((held, f) => {
    const heldSet = new Set(held);
    const rows = Array.from(fit).filter((_, j) => !heldSet.has(j));
    const r = trainSoftmaxRegression(part(rows), part(Array.from(held, (j) => fit[j] as number)), { ...options, seed: 1 + f });
    console.log(`  fold ${f}: ${rows.length} examples, dev accuracy ${devAccuracy(r.model).toFixed(4)}`);
    return r.model;
  });
  const cpu = process.cpuUsage(cpu0);
  console.log(`average of ${folds} fold models: dev accuracy ${devAccuracy(averageModels(models)).toFixed(4)} (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU)`);
}
