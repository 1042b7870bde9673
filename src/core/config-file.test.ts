import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { exportJsonSchema, loadConfigFile } from "./config-file.ts";
import { FrugalError } from "./errors.ts";

const schema = z.object({
  name: z.string(),
  tiers: z.array(z.discriminatedUnion("kind", [z.object({ kind: z.literal("cache") }), z.object({ kind: z.literal("llm"), model: z.string() })])),
});

function write(content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "frugal-config-"));
  const file = join(dir, "c.yaml");
  writeFileSync(file, content);
  return file;
}

test("a valid file loads", () => {
  const file = write("name: x\ntiers:\n  - kind: cache\n  - kind: llm\n    model: m\n");
  assert.deepEqual(loadConfigFile(schema, file), { name: "x", tiers: [{ kind: "cache" }, { kind: "llm", model: "m" }] });
});

test("a bad field is named by its key path", () => {
  const file = write("name: x\ntiers:\n  - kind: cache\n  - kind: llm\n    model: 3\n");
  assert.throws(
    () => loadConfigFile(schema, file),
    (error: unknown) => error instanceof FrugalError && error.code === "config_invalid" && error.message.includes("tiers[1].model"),
  );
});

test("missing, empty, non-UTF-8 and non-YAML files fail with the file name", () => {
  const cases: Array<[string, string]> = [
    ["/nonexistent/frugal.yaml", "not found"],
    [write(""), "empty"],
    [write(Buffer.from([0x6e, 0x3a, 0x20, 0xff, 0xfe])), "UTF-8"],
    [write("name: [unclosed\n"), "YAML"],
  ];
  for (const [file, expected] of cases) {
    assert.throws(() => loadConfigFile(schema, file), (e: unknown) => e instanceof FrugalError && e.message.includes(file) && e.message.includes(expected));
  }
});

test("the JSON Schema export describes the same shape", () => {
  const json = exportJsonSchema(schema, "https://frugal.dev/test.json");
  assert.equal(json.$id, "https://frugal.dev/test.json");
  assert.ok(JSON.stringify(json).includes("\"tiers\""));
});
