/**
 * How the compact classifier's defaults were chosen: k-fold cross-validation on the *training* splits only (no test set is
 * read), over several datasets at once, changing one option at a time from the current defaults. A default is kept unless
 * a change helps on average across datasets by more than the fold-to-fold noise.
 * Run: `node --import tsx bench/compact-tune.ts [--folds 3] [--datasets a,b] [--configs a,b] [--json out.json]`.
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { evaluateClassifier, nearestPoint as nearest, stratifiedSplit, trainClassifier, type TrainClassifierConfigInput } from "../src/compact/index.ts";
import { DATASETS, type Example } from "./compact-datasets.ts";

export const CONFIGS: Record<string, TrainClassifierConfigInput> = {
  defaults: {},
  "lr=1": { learningRate: 1 },
  "optimizer=adagrad": { optimizer: "adagrad" },
  "charWeight=2": { featurizer: { charWeight: 2 } },
  "adagrad+charWeight=2": { optimizer: "adagrad", featurizer: { charWeight: 2 } },
  "words 1-3": { featurizer: { wordNgramMax: 3 } },
  "chars 2-5": { featurizer: { charNgramMax: 5 } },
  "chars 1-4": { featurizer: { charNgramMin: 1 } },
  "weightDecay=0.05": { weightDecay: 0.05 },
  "minDf=2": { minDf: 2 },
  "folds=3": { folds: 3 },
  "folds=10": { folds: 10 },
  "minDelta=0": { minDelta: 0 },
  "patience=6": { patience: 6 },
  "weighting=log": { featurizer: { weighting: "log" } },
};
const TUNING_SETS = ["banking77", "sroie-lines", "banking77-fewshot20"];

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

interface FoldResult {
  accuracy: number;
  selective75: number;
  cpuSeconds: number;
}

function crossValidate(examples: Example[], options: TrainClassifierConfigInput, folds: number): FoldResult[] {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = Int32Array.from(examples, (e) => index.get(e.label) as number);
  const parts = stratifiedSplit(y, { fractions: Array.from({ length: folds }, () => 1 / folds), seed: 99, minFirst: 0 });
  return parts.map((held) => {
    const heldSet = new Set(held);
    const train = examples.filter((_, i) => !heldSet.has(i));
    const test = Array.from(held, (i) => examples[i] as Example);
    const cpu0 = process.cpuUsage();
    const { classifier } = trainClassifier({ ...options, examples: train });
    const cpu = process.cpuUsage(cpu0);
    const report = evaluateClassifier(classifier, test, { warmup: 0 });
    return {
      accuracy: report.accuracy,
      selective75: nearest(report.curve, 0.75)?.accuracy ?? Number.NaN,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  });
}

const folds = Number(flag("--folds") ?? 3);
const datasets = (flag("--datasets") ?? TUNING_SETS.join(",")).split(",");
const configs = (flag("--configs") ?? Object.keys(CONFIGS).join(",")).split(",");
console.log(`compact tune — ${new Date().toISOString()} — ${folds}-fold CV on training splits, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const results: Array<{ dataset: string; config: string; folds: FoldResult[] }> = [];
for (const name of datasets) {
  const make = DATASETS[name];
  if (make === undefined) throw new Error(`unknown dataset ${name}`);
  const { train } = make();
  for (const config of configs) {
    const options = CONFIGS[config];
    if (options === undefined) throw new Error(`unknown config ${config}`);
    const foldResults = crossValidate(train, options, folds);
    results.push({ dataset: name, config, folds: foldResults });
    const mean = (k: keyof FoldResult) => foldResults.reduce((a, r) => a + r[k], 0) / foldResults.length;
    const sd = Math.sqrt(foldResults.reduce((a, r) => a + (r.accuracy - mean("accuracy")) ** 2, 0) / Math.max(1, foldResults.length - 1));
    console.log(
      `${name.padEnd(20)} ${config.padEnd(18)} accuracy ${mean("accuracy").toFixed(4)} ± ${sd.toFixed(4)}  selective@75 ${mean("selective75").toFixed(4)}  cpu ${mean("cpuSeconds").toFixed(1)} s/fold`,
    );
  }
}
// Mean accuracy gain over the defaults, averaged across datasets: the number a default change must beat.
for (const config of configs) {
  const gains = datasets.map((d) => {
    const acc = (c: string) => {
      const r = results.find((x) => x.dataset === d && x.config === c);
      return r === undefined ? Number.NaN : r.folds.reduce((a, f) => a + f.accuracy, 0) / r.folds.length;
    };
    return acc(config) - acc("defaults");
  });
  console.log(`${config.padEnd(18)} mean accuracy change vs defaults across datasets: ${(gains.reduce((a, b) => a + b, 0) / gains.length).toFixed(4)} (${gains.map((g) => g.toFixed(4)).join(", ")})`);
}
const out = flag("--json");
if (out !== undefined) writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), folds, results }, null, 2)}\n`);
