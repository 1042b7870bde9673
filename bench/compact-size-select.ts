/**
 * Chooses the hidden-layer size, calibration share, members and n-gram orders of the default classifier on training data only: a seeded, stratified
 * 80/20 split of BANKING77 *train* (the test split is never read), each candidate trained as `frugal train classify`
 * trains (members in worker threads) on the 80% and scored on the 20%. Prints dev accuracy, selective accuracy at
 * coverage 0.75, the certified threshold with its coverage and kept error on dev, training wall time and model size, so the trade between accuracy and the 30 s training budget is visible.
 * Run: `node --import tsx bench/compact-size-select.ts [--configs h256f5,h128f5,...]`
 */
import { loadavg } from "node:os";
import { classifierToContents, evaluateClassifier, nearestPoint, stratifiedSplit, trainClassifierParallel, type TrainClassifierConfigInput } from "../src/compact/index.ts";
import { encodeModelFile } from "../src/compact/model-file.ts";
import { banking77, type Example } from "./compact-datasets.ts";

// Earlier rounds (hidden size, folds, n-gram orders; bench/notes/compact.md) ran the cross-fitted design; these compare
// the held-out calibration design's options (issue 9): the calibration share, and members averaged within one width.
const CANDIDATES: Record<string, TrainClassifierConfigInput> = {
  h192: {},
  "h192-cal10": { calibrationFraction: 0.1 },
  "h192-cal20": { calibrationFraction: 0.2 },
  "h192x2": { members: 2 },
  "h256x2": { hiddenUnits: 256, members: 2 },
  "h192x3": { members: 3 },
  linear: { hiddenUnits: 0 },
  "h192-c24": { featurizer: { charNgramMax: 4 } },
  "h192-words": { featurizer: { charNgramMax: 0 } },
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
  const kept = report.error_at_threshold === null ? "-" : report.error_at_threshold.toFixed(4);
  console.log(
    `${name.padEnd(10)} dev accuracy ${report.accuracy.toFixed(4)}  selective@${(at75?.coverage ?? 0).toFixed(2)} ${(at75?.accuracy ?? 0).toFixed(4)}  ` +
      `threshold ${trained.threshold.certified ? trained.threshold.threshold.toFixed(4) : "none"} (calibration coverage ${trained.threshold.coverage.toFixed(3)}, dev coverage ${report.coverage.toFixed(3)}, dev kept error ${kept})  ` +
      `train ${wall.toFixed(1)} s wall (80% of train), ${(encodeModelFile(classifierToContents(trained.parts)).byteLength / 1e6).toFixed(2)} MB`,
  );
}
