import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrugalError } from "../core/errors.ts";
import { readLabeledTexts } from "./labeled-texts.ts";

const dir = mkdtempSync(join(tmpdir(), "frugal-data-"));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function failsWith(path: string, fragment: string, options = {}): void {
  assert.throws(
    () => readLabeledTexts(path, options),
    (e: unknown) => e instanceof FrugalError && e.code !== "internal" && e.message.includes(path) && e.message.includes(fragment),
    `expected an error mentioning ${fragment}`,
  );
}

test("CSV with quotes, embedded commas and newlines, CRLF and a BOM", () => {
  const path = file("ok.csv", '\uFEFFtext,label\r\n"hello, world",a\r\n"two\nlines ""quoted""",b\r\nplain,a\r\n');
  const set = readLabeledTexts(path);
  assert.deepEqual(set.labels, ["a", "b"]);
  assert.deepEqual(set.examples.map((e) => [e.line, e.text]), [[2, "hello, world"], [3, 'two\nlines "quoted"'], [5, "plain"]]);
});

test("BANKING77's `category` column is picked up as the label by default", () => {
  const set = readLabeledTexts(file("b77.csv", "text,category\nwhere is my card,card_arrival\n"));
  assert.equal(set.examples[0]?.label, "card_arrival");
});

test("JSONL {text,label}", () => {
  const set = readLabeledTexts(file("ok.jsonl", '{"text":"a b","label":"x"}\n\n{"text":"c","label":"y"}\n'));
  assert.equal(set.examples.length, 2);
  assert.equal(set.examples[1]?.line, 3);
});

test("bad inputs name the file and the line or column", () => {
  failsWith(join(dir, "missing.csv"), "not found");
  failsWith(file("empty.csv", ""), "empty");
  failsWith(file("header-only.csv", "text,label\n"), "no data rows");
  failsWith(file("cols.csv", "body,label\nx,a\n"), '"body"');
  failsWith(file("cols2.csv", "text,label\nx,a\n"), '--text-col', { textCol: "utterance" });
  failsWith(file("latin1.csv", Buffer.from([0x74, 0x65, 0x78, 0x74, 0x2c, 0x6c, 0x0a, 0xe9, 0x2c, 0x61, 0x0a])), "UTF-8");
  failsWith(file("emptytext.csv", "text,label\nx,a\n  ,b\n"), ":3");
  failsWith(file("ragged.csv", "text,label\nx,a,extra\n"), ":2");
  failsWith(file("quote.csv", 'text,label\n"never closed,a\n'), "unterminated");
  failsWith(file("bad.jsonl", '{"text":"x","label":"a"}\n{oops\n'), ":2");
  failsWith(file("arr.jsonl", "[1,2]\n"), "JSON object");
  failsWith(file("data.txt", "x"), "unknown data format");
});
