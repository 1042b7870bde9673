/**
 * The llama-cpp provider wired into the PoC: a local GGUF (the tiny random-weights Llama of test/fixtures) as the LLM
 * tier. Its answers are gibberish, so this checks the wiring and the bad-answer path: the tier is measured (real tokens,
 * real compute time, priced by CPU time), answers that fit no label are asked again once, then counted as failed rows —
 * the run completes and the report is written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RequestRecord } from "./records.ts";
import { runPoc } from "./run-poc.ts";

const gguf = fileURLToPath(new URL("../../test/fixtures/tiny-gguf/llama-2-tiny-random.gguf", import.meta.url));

test("a local GGUF LLM tier through the PoC: measured, bad answers become counted failed rows", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-poc-gguf-"));
  writeFileSync(join(dir, "data.csv"), "text,label\nwhere is my card,card_arrival\nmy pin is blocked,pin_blocked\nwhat rate do you use,exchange_rate\n");
  writeFileSync(
    join(dir, "poc.yaml"),
    `
task:
  name: intents
  kind: classify
  dataset: { path: data.csv }
tiers:
  local: { kind: llm, provider: llama-cpp, model: tiny-random, model_path: ${JSON.stringify(gguf)}, max_tokens: 6, timeout_ms: 60000 }
pipelines:
  - name: local-only
    tiers: [local]
load: { kind: closed, concurrency: 1 }
slo: { p95_ms: 10000 }
quality_target: 0.5
`,
  );
  const out = join(dir, "out");
  const { results } = await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: {}, fresh: true });
  assert.ok(existsSync(join(out, "index.html")));
  const records = readFileSync(join(out, "poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord);
  assert.equal(records.length, 3);
  for (const r of records) {
    const step = r.steps[0];
    assert.equal(step?.modeled, undefined, "a local model is measured, not modeled");
    if (r.ok) assert.equal(step?.latency_provenance, "measured");
    else assert.equal(r.error?.code, "schema_violation");
    assert.ok((step?.tokens_in ?? 0) > 0 && (step?.cpu_ms ?? 0) > 0, "tokens from the model's tokenizer, compute time measured");
    assert.ok((r.cost_usd ?? 0) > 0, "priced by CPU time, wasted attempts included");
  }
  const metrics = results.pipelines[0]?.metrics;
  assert.equal(metrics?.failed_requests, records.filter((r) => !r.ok).length);
  assert.equal(metrics?.latency_ms.provenance, "measured");
  assert.equal(results.measure_with, undefined);
});
