/**
 * The classifier commands as a user runs them (`node bin/frugal.js ...`): a real train → eval → predict round, and the bad
 * inputs of the issue, each of which must end with one error line naming the file and a non-zero exit, never a stack trace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURES = "test/fixtures/compact";
const dir = mkdtempSync(join(tmpdir(), "frugal-classify-cli-"));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function frugal(args: string[], stdin?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/frugal.js", ...args], { env: { ...process.env, FRUGAL_NO_PROGRESS: "1", NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

function assertCleanError(run: Run, ...fragments: string[]): void {
  assert.notEqual(run.code, 0, `expected a failure, got exit 0 and ${run.stdout}`);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one error line, got:\n${run.stderr}`);
  assert.match(lines[0] as string, /^error: /);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
  for (const fragment of fragments) assert.ok(run.stderr.includes(fragment), `stderr should mention ${fragment}: ${run.stderr}`);
}

// Five BANKING77 intents: small enough to train in seconds, real enough to certify a threshold.
const INTENTS = new Set(["card_arrival", "exchange_rate", "lost_or_stolen_card", "top_up_failed", "change_pin"]);
function subset(file: string, out: string, extra: string[] = []): string {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const kept = rows.filter((r) => INTENTS.has(r.slice(r.lastIndexOf(",") + 1).trim()));
  const path = join(dir, out);
  writeFileSync(path, [header, ...kept, ...extra].join("\n") + "\n");
  return path;
}
const trainCsv = subset("examples/banking77/train.csv", "train.csv");
const testCsv = subset("examples/banking77/test.csv", "test.csv", ["how do I open an account for my child,open_child_account"]);
const model = join(dir, "intents.frugal");

test("train classify → eval --json → predict --json on a BANKING77 subset", async () => {
  const train = await frugal(["train", "classify", "--data", trainCsv, "--out", model]);
  assert.equal(train.code, 0, train.stderr);
  for (const line of ["examples", "labels", "time", "calibration accuracy", "threshold", "expected coverage"]) assert.ok(train.stdout.includes(line), train.stdout);

  const evaluated = await frugal(["eval", "--model", model, "--data", testCsv, "--json"]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout) as Record<string, unknown>;
  for (const key of ["n", "accuracy", "macro_f1", "threshold", "coverage", "selective_accuracy", "curve", "latency_us", "kept", "error_at_threshold_ci95"]) assert.ok(key in report, key);
  const curve = report.curve as Array<{ coverage: number; accuracy: number; threshold: number }>;
  for (const c of [0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1]) assert.ok(curve.some((p) => Math.abs(p.coverage - c) < 0.01), `coverage ${c} in the curve`);
  assert.ok((report.accuracy as number) > 0.85 && (report.accuracy as number) < 1, "the unknown label counts as an error");
  assert.deepEqual(report.unknown_labels, ["open_child_account"]);
  assert.ok((report.latency_us as { p99: number }).p99 > 0);

  const predicted = await frugal(["predict", "--model", model, "--json"], "my card has not arrived yet\n\nwhat is the exchange rate for euros\n");
  assert.equal(predicted.code, 0, predicted.stderr);
  const rows = predicted.stdout.trim().split("\n").map((l) => JSON.parse(l) as { line: number; label: string; confidence: number; kept: boolean });
  assert.deepEqual(rows.map((r) => [r.line, r.label]), [[1, "card_arrival"], [3, "exchange_rate"]]);
  for (const r of rows) assert.equal(typeof r.kept, "boolean");

  // A corrupted model and one from a future format version are refused by eval and predict alike.
  const bytes = readFileSync(model);
  const corrupted = Buffer.from(bytes);
  corrupted[corrupted.length >> 1] = (corrupted[corrupted.length >> 1] as number) ^ 0xff;
  writeFileSync(join(dir, "corrupted.frugal"), corrupted);
  const future = Buffer.from(bytes);
  future.writeUInt32LE(99, 8);
  writeFileSync(join(dir, "future.frugal"), future);
  const [c, f, latin1] = await Promise.all([
    frugal(["eval", "--model", join(dir, "corrupted.frugal"), "--data", testCsv]),
    frugal(["predict", "--model", join(dir, "future.frugal")], "hello\n"),
    frugal(["predict", "--model", model], Buffer.from([0x68, 0x69, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a])),
  ]);
  assertCleanError(c, "corrupted.frugal", "checksum");
  assertCleanError(f, "future.frugal", "newer frugal");
  assertCleanError(latin1, "stdin:2", "UTF-8");
});

test("the help of train classify states what a certified threshold assumes", async () => {
  const help = await frugal(["train", "classify", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout.replace(/\s+/g, " "), /certified on a held-out calibration split.*exchangeable with that split/);
});

test("bad training data: one clear error line naming the file and the row or column", async () => {
  const out = join(dir, "never.frugal");
  // The rest of the malformed files (empty, wrong columns, JSONL) are checked in-process in src/compact/classifier.test.ts.
  const cases: Array<[string[], string[]]> = [
    [["--data", join(dir, "missing.csv")], ["missing.csv", "not found"]],
    [["--data", `${FIXTURES}/single-class.csv`], ["single-class.csv", "single class"]],
    [["--data", `${FIXTURES}/latin1.csv`], ["latin1.csv", "UTF-8"]],
    [["--data", `${FIXTURES}/empty-text.csv`], ["empty-text.csv:3", "empty text"]],
  ];
  const runs = await Promise.all(cases.map(([args]) => frugal(["train", "classify", ...args, "--out", out])));
  runs.forEach((run, i) => assertCleanError(run, ...(cases[i]?.[1] ?? [])));
});
