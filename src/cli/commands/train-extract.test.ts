import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "frugal-cli-extract-"));

function frugal(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, "bin/frugal.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, FRUGAL_NO_PROGRESS: "1" },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function receipts(name: string, from: number, count: number): string[] {
  return readFileSync(join(root, "examples/sroie", name), "utf8").split("\n").filter((l) => l.trim() !== "").slice(from, from + count);
}

describe("frugal train extract / frugal eval (extractor)", () => {
  const data = join(dir, "train.jsonl");
  const rows = receipts("train-split.jsonl", 0, 48);
  // One receipt without its address and one huge receipt: both must train, with warnings, not crash.
  const first = JSON.parse(rows[0] ?? "{}") as { text: string; fields: Record<string, string> };
  delete first.fields.address;
  rows[0] = JSON.stringify(first);
  const second = JSON.parse(rows[1] ?? "{}") as { text: string; fields: Record<string, string> };
  rows[1] = JSON.stringify({ ...second, text: `${second.text}\n${"FILLER LINE 0.00\n".repeat(2000)}` });
  writeFileSync(data, `${rows.join("\n")}\n`);
  const model = join(dir, "model.fmx");

  it("trains on a small subset with warnings for the missing field and the truncated text", () => {
    const result = frugal("train", "extract", "--data", data, "--out", model, "--folds", "2", "--epochs", "3", "--max-chars", "5000");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /lack fields.*address: 1 \(first at line 1\)/);
    assert.match(result.stderr, /:2: text has \d+ characters; truncated to 5000/);
    assert.match(result.stdout, /trained an extractor on 48 documents \(4 fields\)/);
    assert.match(result.stdout, /^date\s+date\s+[01]\.\d{3}/m);
  });

  it("evaluates with --json as exactly one JSON object", () => {
    const dev = join(dir, "dev.jsonl");
    writeFileSync(dev, `${receipts("dev.jsonl", 0, 20).join("\n")}\n`);
    const result = frugal("eval", "--model", model, "--data", dev, "--json");
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const key of ["n", "field_accuracy", "mean_field_accuracy", "coverage", "selective_accuracy", "curve", "latency_us"]) assert.ok(key in report, key);
    assert.equal(report.n, 20);
    assert.deepEqual(Object.keys(report.field_accuracy as object).sort(), ["address", "company", "date", "total"]);
  });

  it("fails with one clear line and exit code 2 on bad input", () => {
    const missing = frugal("train", "extract", "--data", join(dir, "nope.jsonl"), "--out", join(dir, "x.fmx"));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^error: .*nope\.jsonl: data file not found\n$/);
    const corrupt = join(dir, "corrupt.fmx");
    const bytes = readFileSync(model);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(corrupt, bytes);
    const evalCorrupt = frugal("eval", "--model", corrupt, "--data", data, "--json");
    assert.equal(evalCorrupt.status, 2);
    assert.equal(evalCorrupt.stdout, "");
    assert.doesNotMatch(evalCorrupt.stderr, /\bat .*\.ts:\d+/, "no stack trace");
    const emptyText = join(dir, "empty-text.jsonl");
    writeFileSync(emptyText, `${rows[2]}\n{"text": "  ", "fields": {"total": "1.00"}}\n`);
    const evalEmpty = frugal("eval", "--model", model, "--data", emptyText);
    assert.equal(evalEmpty.status, 2);
    assert.match(evalEmpty.stderr, /empty-text\.jsonl:2: empty text/);
  });
});
