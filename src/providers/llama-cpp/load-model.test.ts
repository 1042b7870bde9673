import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrugalError } from "../../core/errors.ts";
import { checkGgufFile, createNativeLog } from "./load-model.ts";

const TINY = "test/fixtures/tiny-gguf/llama-2-tiny-random.gguf";
const dir = mkdtempSync(join(tmpdir(), "frugal-gguf-"));

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const fails = (code: string, path: string, text?: string) => (e: unknown) => {
  assert.ok(e instanceof FrugalError, `expected a FrugalError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  assert.ok(e.message.includes(path), `message names the path: ${e.message}`);
  if (text !== undefined) assert.ok(e.message.includes(text), `${e.message} should mention ${text}`);
  return true;
};

test("missing, folder, empty and foreign files fail before the native loader", async () => {
  const missing = join(dir, "nope.gguf");
  await assert.rejects(checkGgufFile(missing), fails("file_not_found", missing, "not found"));
  await assert.rejects(checkGgufFile(dir), fails("model_file_invalid", dir, "folder"));
  const empty = write("empty.gguf", "");
  await assert.rejects(checkGgufFile(empty), fails("model_file_invalid", empty, "0 bytes"));
  const random = write("random.gguf", Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
  await assert.rejects(checkGgufFile(random), fails("model_file_invalid", random, "magic"));
  await checkGgufFile(TINY);
});

test("the native log keeps warnings and errors only, bounded", () => {
  const log = createNativeLog(2);
  const mark = log.mark;
  log.push("info", "ignored");
  log.push("error", "one ");
  log.push("warn", "two");
  log.push("error", "three");
  assert.deepEqual(log.since(mark), ["two", "three"]);
});
