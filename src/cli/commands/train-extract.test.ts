import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "frugal-cli-extract-"));

function frugal(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return frugalWithInput("", ...args);
}

function frugalWithInput(input: string | Buffer, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, "bin/frugal.js"), ...args], {
    cwd: root,
    input,
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
    // What a certificate means, and why 14 calibration receipts cannot give one at ε = 0.05 (72 error-free answers needed).
    assert.match(result.stdout, /34 documents trained the rankers .* 14 were held out/);
    assert.match(result.stdout, /for documents exchangeable with the calibration split/);
    assert.match(result.stdout, /not certifiable.*needs at least 72 kept calibration answers/);
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

  it("predicts one document from the whole of stdin: field, value, confidence, keep or escalate", () => {
    const receipt = (JSON.parse(receipts("dev.jsonl", 0, 1)[0] ?? "{}") as { text: string }).text;
    const result = frugalWithInput(receipt, "predict", "--model", model);
    assert.equal(result.status, 0, result.stderr);
    const rows = result.stdout.trim().split("\n").map((l) => l.split("\t"));
    assert.deepEqual(rows.map((r) => r[0]), ["address", "company", "date", "total"]);
    for (const row of rows) {
      assert.equal(row.length, 4, row.join("|"));
      assert.match(row[2] ?? "", /^(0|1)\.\d{4}$/);
      assert.match(row[3] ?? "", /^(keep|escalate)$/);
    }
  });

  it("predicts --jsonl --json: one object per document, per-field action at the field's threshold", () => {
    const input = `${receipts("dev.jsonl", 0, 2).join("\n\n")}\n`;
    const result = frugalWithInput(input, "predict", "--model", model, "--jsonl", "--json");
    assert.equal(result.status, 0, result.stderr);
    const docs = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as { line: number; id: string; escalate: string[]; fields: Record<string, { value: string | null; confidence: number; threshold: number | null; kept: boolean; action: string; lines: string[] }> });
    assert.deepEqual(docs.map((d) => d.line), [1, 3], "blank lines are skipped, line numbers kept");
    for (const doc of docs) {
      assert.deepEqual(Object.keys(doc.fields).sort(), ["address", "company", "date", "total"]);
      for (const [name, f] of Object.entries(doc.fields)) {
        assert.equal(f.kept, f.threshold !== null && f.value !== null && f.confidence >= f.threshold, name);
        assert.equal(f.action, f.kept ? "keep" : "escalate");
        assert.equal(doc.escalate.includes(name), !f.kept);
      }
    }
  });

  it("serves a model file from the first extractor version through the CLI", () => {
    const fixture = join(root, "src/compact/extract/fixtures/extractor-v1.fmx");
    const result = frugalWithInput(`${receipts("dev.jsonl", 0, 1)[0]}\n`, "predict", "--model", fixture, "--jsonl");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^# X\w+ \(stdin line 1\)\ndate\t|^# X\w+ \(stdin line 1\)\naddress\t/);
  });

  it("predict fails with one clear line on bad stdin", () => {
    const notJson = frugalWithInput(`${receipts("dev.jsonl", 0, 1)[0]}\nnot json\n`, "predict", "--model", model, "--jsonl");
    assert.equal(notJson.status, 2);
    assert.match(notJson.stderr, /^error: stdin:2: not JSON/);
    const noText = frugalWithInput('{"id": "a", "text": 3}\n', "predict", "--model", model, "--jsonl");
    assert.match(noText.stderr, /^error: stdin:1: "text" must be a string\n$/);
    const empty = frugalWithInput("  \n", "predict", "--model", model);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /^error: stdin is empty/);
    const latin1 = frugalWithInput(Buffer.from([0x54, 0x4f, 0x54, 0x41, 0x4c, 0x20, 0xe9, 0x0a]), "predict", "--model", model);
    assert.equal(latin1.status, 2);
    assert.match(latin1.stderr, /^error: stdin: text is not valid UTF-8\n$/);
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
