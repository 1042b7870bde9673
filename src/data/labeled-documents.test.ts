import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrugalError } from "../core/errors.ts";
import { hashDocuments, readLabeledDocuments, splitDocuments } from "./labeled-documents.ts";

const dir = mkdtempSync(join(tmpdir(), "frugal-docs-"));
let counter = 0;
function file(content: string | Buffer, ext = ".jsonl"): string {
  const path = join(dir, `data-${counter++}${ext}`);
  writeFileSync(path, content);
  return path;
}

function row(text: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...extra, text, fields });
}

function expectError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FrugalError, `expected a FrugalError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("readLabeledDocuments", () => {
  it("reads text, fields and ids, with the union of field names", () => {
    const path = file([row("A\nB", { company: "A", total: "9.00" }, { id: "r1" }), row("C", { company: "C", date: "1/1/2018" })].join("\n"));
    const set = readLabeledDocuments(path);
    assert.equal(set.documents.length, 2);
    assert.deepEqual(set.fields, ["company", "date", "total"]);
    assert.equal(set.documents[0]?.id, "r1");
    assert.equal(set.documents[0]?.line, 1);
    assert.deepEqual(set.documents[1]?.fields, { company: "C", date: "1/1/2018", total: null });
  });

  it("allows documents with missing fields, counts them and warns once", () => {
    const path = file([row("a", { company: "A", total: "1.00" }), row("b", { company: "B", total: null }), row("c", { company: "" }), row("d", { company: "D", total: "2.00" })].join("\n"));
    const set = readLabeledDocuments(path);
    assert.equal(set.documents.length, 4);
    assert.deepEqual(set.missing, { company: 1, total: 2 });
    assert.equal(set.warnings.length, 1);
    assert.match(set.warnings[0] ?? "", /company: 1 \(first at line 3\); total: 2 \(first at line 2\)/);
  });

  it("names file and line for empty text and bad rows", () => {
    expectError(() => readLabeledDocuments(file(`${row("ok", { a: "1" })}\n${row("   ", { a: "1" })}`)), "input_invalid", /data-\d+\.jsonl:2: empty text/);
    expectError(() => readLabeledDocuments(file(`${row("ok", { a: "1" })}\n{"text": "x", "fields": [1]}`)), "input_invalid", /:2: "fields" must be an object/);
    expectError(() => readLabeledDocuments(file(`${row("ok", { a: { b: 1 } })}`)), "input_invalid", /:1: field "a" must be a string/);
    expectError(() => readLabeledDocuments(file(`${row("ok", { a: "1" })}\nnot json`)), "input_invalid", /:2: not valid JSON/);
    expectError(() => readLabeledDocuments(file(`{"text": 3, "fields": {}}`)), "input_invalid", /:1: "text" must be a string/);
  });

  it("rejects missing, empty, non-UTF-8 and CSV files clearly", () => {
    expectError(() => readLabeledDocuments(join(dir, "nope.jsonl")), "file_not_found", /nope\.jsonl: data file not found/);
    expectError(() => readLabeledDocuments(file("")), "input_invalid", /is empty/);
    expectError(() => readLabeledDocuments(file(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))), "input_invalid", /not valid UTF-8/);
    expectError(() => readLabeledDocuments(file("text,company\nx,y\n", ".csv")), "input_invalid", /must be JSONL/);
    expectError(() => readLabeledDocuments(file(row("x", {}))), "input_invalid", /no labeled fields/);
  });

  it("truncates huge texts at maxChars with a warning naming the line", () => {
    const big = "TOTAL 9.00\n".repeat(3000);
    const set = readLabeledDocuments(file(`${row("small", { total: "1.00" })}\n${row(big, { total: "9.00" })}`), { maxChars: 1000 });
    assert.equal(set.truncated, 1);
    assert.equal(set.documents[1]?.text.length, 1000);
    assert.match(set.warnings.join("\n"), /:2: text has 33000 characters; truncated to 1000/);
  });
});

describe("splitDocuments", () => {
  const docs = Array.from({ length: 500 }, (_, i) => ({ id: `doc-${i}`, text: `t${i}` }));

  it("is deterministic, disjoint, complete and near the requested share", () => {
    const a = splitDocuments(docs, { devShare: 0.2 });
    const b = splitDocuments([...docs].reverse(), { devShare: 0.2 });
    assert.deepEqual(new Set(a.dev.map((d) => d.id)), new Set(b.dev.map((d) => d.id)));
    assert.equal(a.train.length + a.dev.length, docs.length);
    assert.ok(a.dev.every((d) => !a.train.includes(d)));
    assert.ok(a.dev.length > 70 && a.dev.length < 130, `dev has ${a.dev.length} of 500`);
  });

  it("rejects shares outside (0, 1)", () => {
    expectError(() => splitDocuments(docs, { devShare: 1 }), "input_invalid", /devShare/);
  });

  it("matches the committed SROIE split files", () => {
    const root = new URL("../../examples/sroie/", import.meta.url);
    const lines = (name: string): string[] => readFileSync(new URL(name, root), "utf8").split("\n").filter((l) => l.trim() !== "");
    const all = lines("train.jsonl").map((raw) => ({ raw, id: String((JSON.parse(raw) as { id: string }).id), text: "" }));
    const { train, dev } = splitDocuments(all, { devShare: 0.2 });
    assert.deepEqual(lines("train-split.jsonl"), train.map((r) => r.raw));
    assert.deepEqual(lines("dev.jsonl"), dev.map((r) => r.raw));
  });
});

describe("hashDocuments", () => {
  it("changes when a field value changes", () => {
    const a = hashDocuments([{ text: "x", fields: { total: "1.00" } }]);
    assert.equal(a, hashDocuments([{ text: "x", fields: { total: "1.00" } }]));
    assert.notEqual(a, hashDocuments([{ text: "x", fields: { total: "1.01" } }]));
    assert.notEqual(a, hashDocuments([{ text: "x", fields: { total: null } }]));
  });
});
