/**
 * Compact classifier bench: train with the defaults on each dataset's train split, evaluate on its test split, print the
 * issue's figures. Run: `node --import tsx bench/compact-classifier.ts [dataset ...] [--json out.json]`
 * (datasets: banking77 sroie-lines banking77-oos banking77-unseen banking77-fewshot20; default: all).
 *
 * In-run peer: a word-unigram TF-IDF + softmax model trained by the same code on BANKING77 (the classic baseline), shown as
 * a ratio. Published references (TF-IDF + softmax 0.913, sentence encoder + SVM 0.931) are quoted, not measured here.
 * Training runs as `frugal train classify` does (folds in worker threads). Timings are wall-clock and CPU time of this
 * process (all threads); on a shared machine they are noisy, so the load average is printed.
 */
import { cpus, loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { encodeModelFile } from "../src/compact/model-file.ts";
import { classifierToContents, evaluateClassifier, nearestPoint, trainClassifierParallel, type ClassifierEvaluation, type TrainClassifierConfigInput } from "../src/compact/index.ts";
import { DATASETS, type BenchDataset } from "./compact-datasets.ts";

interface Row {
  dataset: string;
  model: string;
  train_n: number;
  test_n: number;
  labels: number;
  accuracy_int8: number;
  accuracy_float: number;
  macro_f1: number;
  selective_accuracy_at_75: number | null;
  coverage_at_75: number | null;
  threshold: number | null;
  expected_coverage: number;
  test_coverage: number;
  test_error_at_threshold: number | null;
  max_error: number;
  train_wall_s: number;
  train_cpu_s: number;
  predict_p50_us: number;
  predict_p99_us: number;
  model_bytes: number;
  /** banking77-unseen: share of the never-seen intents' test items the model keeps (answers wrongly instead of escalating). */
  unseen_kept?: number;
}

async function run(dataset: BenchDataset, model: string, options: TrainClassifierConfigInput = {}): Promise<Row> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  // The path `frugal train classify` takes: folds in worker threads (one per core, at most one per fold).
  const grouped = dataset.train.every((e) => e.group !== undefined);
  const trained = await trainClassifierParallel({
    ...options,
    examples: dataset.train,
    dataFile: dataset.name,
    ...(grouped ? { groups: dataset.train.map((e) => e.group as string) } : {}),
  });
  const trainWall = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const int8: ClassifierEvaluation = evaluateClassifier(trained.classifier, dataset.test);
  const float: ClassifierEvaluation = evaluateClassifier(trained.floatClassifier, dataset.test, { warmup: 0 });
  const at75 = nearestPoint(int8.curve, 0.75) ?? null;
  const row: Row = {
    dataset: dataset.name,
    model,
    train_n: dataset.train.length,
    test_n: dataset.test.length,
    labels: trained.classifier.labels.length,
    accuracy_int8: int8.accuracy,
    accuracy_float: float.accuracy,
    macro_f1: int8.macro_f1,
    selective_accuracy_at_75: at75?.accuracy ?? null,
    coverage_at_75: at75?.coverage ?? null,
    threshold: int8.threshold,
    expected_coverage: trained.threshold.coverage,
    test_coverage: int8.coverage,
    test_error_at_threshold: int8.error_at_threshold,
    max_error: trained.threshold.maxError,
    train_wall_s: trainWall,
    train_cpu_s: (cpu.user + cpu.system) / 1e6,
    predict_p50_us: int8.latency_us.p50,
    predict_p99_us: int8.latency_us.p99,
    model_bytes: encodeModelFile(classifierToContents(trained.parts)).byteLength,
  };
  if (dataset.name === "banking77-unseen") {
    const unseen = dataset.test.filter((e) => e.label === "out_of_scope");
    row.unseen_kept = unseen.filter((e) => trained.classifier.predict(e.text).confidence >= trained.classifier.threshold).length / unseen.length;
  }
  return row;
}

const f = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined ? "-" : x.toFixed(digits));

function print(row: Row): void {
  const lines = [
    `${row.dataset} [${row.model}]: train ${row.train_n}, test ${row.test_n}, ${row.labels} labels`,
    `  accuracy int8 ${f(row.accuracy_int8)} | float ${f(row.accuracy_float)} | macro-F1 ${f(row.macro_f1)}`,
    `  selective accuracy at coverage ${f(row.coverage_at_75, 3)}: ${f(row.selective_accuracy_at_75)}`,
    `  threshold ${f(row.threshold)}: expected coverage ${f(row.expected_coverage, 3)}, test coverage ${f(row.test_coverage, 3)}, test error ${f(row.test_error_at_threshold)} (ε = ${row.max_error})`,
    `  train ${row.train_wall_s.toFixed(1)} s wall, ${row.train_cpu_s.toFixed(1)} s CPU | predict p50 ${row.predict_p50_us.toFixed(1)} µs, p99 ${row.predict_p99_us.toFixed(1)} µs | model ${(row.model_bytes / 1e6).toFixed(2)} MB`,
  ];
  if (row.unseen_kept !== undefined) lines.push(`  never-seen intents kept (answered instead of escalated): ${f(row.unseen_kept, 3)}`);
  console.log(lines.join("\n"));
}

function checkTargets(row: Row): void {
  const checks: Array<[string, boolean]> = [
    ["int8 accuracy ≥ 0.92", row.accuracy_int8 >= 0.92],
    ["selective accuracy ≥ 0.98 at coverage ≥ 0.75", (row.selective_accuracy_at_75 ?? 0) >= 0.98],
    ["test error at threshold ≤ ε + 0.01", row.test_error_at_threshold !== null && row.test_error_at_threshold <= row.max_error + 0.01],
    ["train ≤ 30 s (wall)", row.train_wall_s <= 30],
    ["predict P99 ≤ 200 µs", row.predict_p99_us <= 200],
    ["model ≤ 10 MB", row.model_bytes <= 10_000_000],
  ];
  console.log(`  targets: ${checks.map(([name, ok]) => `${ok ? "PASS" : "FAIL"} ${name}`).join("; ")}`);
}

const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
const jsonOut = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const names = args.filter((a, i) => !a.startsWith("--") && (jsonAt < 0 || i !== jsonAt + 1));
const selected = names.length > 0 ? names : Object.keys(DATASETS);
console.log(`compact classifier bench — ${new Date().toISOString()} — node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? "?"}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const rows: Row[] = [];
for (const name of selected) {
  const make = DATASETS[name];
  if (make === undefined) throw new Error(`unknown dataset ${name}; known: ${Object.keys(DATASETS).join(", ")}`);
  const dataset = make();
  const row = await run(dataset, "defaults");
  rows.push(row);
  print(row);
  if (name === "banking77") {
    checkTargets(row);
    const peer = await run(dataset, "peer: word-unigram TF-IDF + softmax", { hiddenUnits: 0, featurizer: { wordNgramMax: 1, charNgramMax: 0 } });
    rows.push(peer);
    print(peer);
    console.log(`  ratio defaults/peer: accuracy ${f(row.accuracy_int8 / peer.accuracy_int8, 3)}, train time ${f(row.train_wall_s / peer.train_wall_s, 2)}, p99 ${f(row.predict_p99_us / peer.predict_p99_us, 2)}`);
    console.log("  published references (not measured here): TF-IDF + softmax 0.913, sentence encoder + SVM 0.931");
  }
}
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
if (jsonOut !== undefined) writeFileSync(jsonOut, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, loadavg: loadavg(), rows }, null, 2)}\n`);
