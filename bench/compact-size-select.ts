/**
 * Chooses the hidden-layer size, fold count and n-gram orders of the default classifier on training data only: a seeded, stratified
 * 80/20 split of BANKING77 *train* (the test split is never read), each candidate trained as `frugal train classify`
 * trains (fold models in worker threads) on the 80% and scored on the 20%. Prints dev accuracy, selective accuracy at
 * coverage 0.75 and training wall time, so the trade between accuracy and the 30 s training budget is visible.
 * Run: `node --import tsx bench/compact-size-select.ts [--configs h256f5,h128f5,...]`
 */
import { loadavg } from "node:os";
import { evaluateClassifier, nearestPoint, stratifiedSplit, trainClassifierParallel, type TrainClassifierConfigInput } from "../src/compact/index.ts";
import { banking77, type Example } from "./compact-datasets.ts";

const CANDIDATES: Record<string, TrainClassifierConfigInput> = {
  h256f5: { hiddenUnits: 256, folds: 5 },
  h128f5: { hiddenUnits: 128, folds: 5 },
  h256f3: { hiddenUnits: 256, folds: 3 },
  h128f3: { hiddenUnits: 128, folds: 3 },
  h192f3: { hiddenUnits: 192, folds: 3 },
  linear: { hiddenUnits: 0 },
  "h192f3-c24": { hiddenUnits: 192, folds: 3, featurizer: { charNgramMax: 4 } },
  "h192f3-c35": { hiddenUnits: 192, folds: 3, featurizer: { charNgramMin: 3 } },
  "h192f3-words": { hiddenUnits: 192, folds: 3, featurizer: { charNgramMax: 0 } },
  "h256f3-words": { hiddenUnits: 256, folds: 3, featurizer: { charNgramMax: 0 } },
};

const at = process.argv.indexOf("--configs");
const names = at >= 0 ? (process.argv[at + 1] ?? "").split(",") : Object.keys(CANDIDATES);
const { train } = banking77();
const labels = [...new Set(train.map((e) => e.label))].sort();
const y = Int32Array.from(train, (e) => labels.indexOf(e.label));
const [fit, dev] = stratifiedSplit(y, { fractions: [0.8, 0.2], seed: 2026 }) as [Int32Array, Int32Array];
const pick = (rows: Int32Array): Example[] => Array.from(rows, (i) => train[i] as Example);
console.log(`compact size select — ${new Date().toISOString()} — BANKING77 train split ${fit.length} fit / ${dev.length} dev, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const name of names) {
  const config = CANDIDATES[name];
  if (config === undefined) throw new Error(`unknown config ${name}; known: ${Object.keys(CANDIDATES).join(", ")}`);
  const started = performance.now();
  const trained = await trainClassifierParallel({ ...config, examples: pick(fit) });
  const wall = (performance.now() - started) / 1000;
  const report = evaluateClassifier(trained.classifier, pick(dev), { warmup: 0 });
  const at75 = nearestPoint(report.curve, 0.75);
  console.log(`${name.padEnd(8)} dev accuracy ${report.accuracy.toFixed(4)}  selective@${(at75?.coverage ?? 0).toFixed(2)} ${(at75?.accuracy ?? 0).toFixed(4)}  train ${wall.toFixed(1)} s wall (80% of train)`);
}
