/**
 * The CLI over the PoC runner, and the demo's path on a small subset of BANKING77: the real trainer, the real model cache,
 * a modeled LLM, one JSON object on stdout with --json, exit code 2 and the key path on a bad config.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCsv } from "../../data/csv.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bin = join(root, "bin/frugal.js");
const dir = mkdtempSync(join(tmpdir(), "frugal-demo-"));

function frugal(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, FRUGAL_NO_PROGRESS: "1", FRUGAL_LLM_BASE_URL: "", ...env },
    timeout: 240_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The header and every `step`-th record: the files are sorted by intent, so this keeps every intent in a small subset. */
function every(file: string, step: number): string {
  const [header, ...records] = parseCsv(readFileSync(file, "utf8"), file);
  const quote = (cell: string): string => `"${cell.replace(/"/g, '""')}"`;
  return [header, ...records.filter((_, i) => i % step === 0)].map((r) => (r as { fields: string[] }).fields.map(quote).join(",")).join("\n");
}

test("the demo's PoC on a subset: trains, runs dense and frugal under Poisson load, writes the report; a rerun reuses the model and the results", () => {
  const examples = join(root, "examples/banking77");
  // ~1,670 training rows, 77 test rows, 77 intents.
  writeFileSync(join(dir, "train.csv"), every(join(examples, "train.csv"), 6));
  writeFileSync(join(dir, "test.csv"), every(join(examples, "test.csv"), 40));
  copyFileSync(join(examples, "categories.json"), join(dir, "categories.json"));
  const original = readFileSync(join(examples, "poc.yaml"), "utf8");
  const edited = original
    .replace(/rate: 100\n/, "rate: 200\n")
    .replace(/warmup: 50/, "warmup: 5")
    .replace(/label: category\n(\s+)big-llm/, "label: category\n      cache_dir: models\n$1big-llm");
  for (const marker of ["rate: 200", "warmup: 5", "cache_dir: models"]) assert.ok(edited.includes(marker), `the demo config changed: ${marker}`);
  assert.doesNotMatch(edited, /^\s*(items|repeat):/m, "the demo asks for no replay");
  writeFileSync(join(dir, "poc.yaml"), edited);

  const first = frugal(["poc", "poc.yaml", "--out", "report", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const lines = first.stdout.trim().split("\n");
  assert.equal(lines.length, 1, "--json prints exactly one JSON object");
  const out = JSON.parse(lines[0] as string) as { report: { indexHtml: string }; pipelines: Array<{ name: string; metrics: Record<string, unknown> }> };
  assert.ok(existsSync(out.report.indexHtml));
  assert.deepEqual(out.pipelines.map((p) => p.name), ["dense", "frugal"]);
  const results = JSON.parse(readFileSync(join(dir, "report/results.json"), "utf8")) as {
    pipelines: Array<{ tiers: Array<{ name: string; compact?: { trained_in_this_run: boolean } }>; metrics: { escalation_rate: number; cache_hit_rate: number } }>;
    load: { kind: string };
  };
  assert.equal(results.load.kind, "poisson");
  const frugalRun = results.pipelines[1];
  assert.equal(frugalRun?.tiers.find((t) => t.name === "compact")?.compact?.trained_in_this_run, true);
  assert.ok((frugalRun?.metrics.escalation_rate ?? 0) > 0);
  // A fair cache: each of the 77 items is sent once, in the same order to both pipelines, so the cache cannot answer a
  // replay that the dense pipeline never gets (the demo used to send 4,000 requests over 3,080 items).
  const records = readFileSync(join(dir, "report/poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { pipeline: string; seq: number; item: string });
  const stream = (pipeline: string): string[] => records.filter((r) => r.pipeline === pipeline).sort((a, b) => a.seq - b.seq).map((r) => r.item);
  assert.equal(stream("dense").length, 77);
  assert.equal(new Set(stream("dense")).size, 77, "each item once");
  assert.deepEqual(stream("frugal"), stream("dense"), "the same stream for both pipelines");
  assert.deepEqual(results.pipelines.map((p) => p.tiers.map((t) => t.name)), [["big-llm"], ["cache", "compact", "big-llm"]], "no reference pipeline without load.repeat");

  const second = frugal(["poc", "poc.yaml", "--out", "report"]);
  assert.equal(second.code, 0, second.stderr);
  assert.ok(second.stdout.includes("report: ") && second.stdout.includes("dense") && second.stdout.includes("frugal"));
  assert.ok(second.stdout.includes("FRUGAL_LLM_BASE_URL"), "the summary names what makes the LLM measured");
  const again = JSON.parse(readFileSync(join(dir, "report/results.json"), "utf8")) as typeof results & { pipelines: Array<{ resumed_from_results_file: number }> };
  assert.equal(again.pipelines[1]?.tiers.find((t) => t.name === "compact")?.compact?.trained_in_this_run, false, "the cached model is reused");
  assert.equal(again.pipelines[0]?.resumed_from_results_file, 77);
});

test("a bad config: exit code 2, one error line naming the key path, no stack trace", () => {
  writeFileSync(join(dir, "bad.yaml"), "task: { name: t, kind: classify, dataset: { path: x.csv } }\ntiers: {}\npipelines: []\nload: { kind: poisson }\nslo: { p95_ms: 1 }\nquality_target: 0.9\n");
  const bad = frugal(["poc", "bad.yaml"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /pipelines|load\.rate/);
  assert.ok(!bad.stderr.includes("    at "), "no stack trace");
  const missing = frugal(["poc", "nope.yaml"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml.*not found/);
});
