import { test } from "node:test";
import assert from "node:assert/strict";
import { createCatalog } from "./catalog.ts";
import { PRECISIONS } from "./catalog-precisions.ts";
import { hardwareSpecSchema, modelSpecSchema } from "./catalog-types.ts";
import { BUILTIN_HARDWARE } from "./catalog-hardware.ts";
import { BUILTIN_MODELS } from "./catalog-models.ts";
import { expectedExpertsTouched, kvBytesPerToken, paramCounts, weightBytes } from "./model-math.ts";

const catalog = createCatalog();

test("every built-in row passes the schema users' rows must pass, with a source and a date", () => {
  for (const row of BUILTIN_HARDWARE) assert.ok(hardwareSpecSchema.safeParse(row).success, row.id);
  for (const row of BUILTIN_MODELS) assert.ok(modelSpecSchema.safeParse(row).success, row.id);
  for (const row of [...BUILTIN_HARDWARE, ...BUILTIN_MODELS]) assert.ok(row.source.length > 10 && row.date.length >= 4, row.id);
});

test("parameter counts match the published model sizes", () => {
  const billions = (id: string) => paramCounts(catalog.model(id)).total / 1e9;
  assert.ok(Math.abs(billions("llama-3.2-1b") - 1.24) < 0.01);
  assert.ok(Math.abs(billions("llama-3.1-8b") - 8.03) < 0.01);
  assert.ok(Math.abs(billions("llama-3.1-70b") - 70.55) < 0.05);
  assert.ok(Math.abs(billions("mixtral-8x7b") - 46.7) < 0.1);
  assert.ok(Math.abs(billions("qwen2.5-7b") - 7.62) < 0.05);
  // Mixtral routes each token through 2 of 8 experts: ~12.9B active parameters.
  assert.ok(Math.abs(paramCounts(catalog.model("mixtral-8x7b")).activePerToken / 1e9 - 12.9) < 0.3);
});

test("expected experts touched: one token touches top-k, a large batch touches all experts, monotonic in between", () => {
  assert.equal(expectedExpertsTouched(8, 2, 1), 2);
  assert.ok(Math.abs(expectedExpertsTouched(8, 2, 10_000) - 8) < 1e-9);
  assert.equal(expectedExpertsTouched(8, 2, 0), 0);
  let previous = 0;
  for (let b = 1; b <= 64; b++) {
    const e = expectedExpertsTouched(8, 2, b);
    assert.ok(e > previous && e <= 8);
    previous = e;
  }
  // Two tokens: 8·(1 − (3/4)²) = 3.5 experts, by hand.
  assert.ok(Math.abs(expectedExpertsTouched(8, 2, 2) - 3.5) < 1e-12);
});

test("KV bytes per token and weight bytes follow the shape and the precision", () => {
  // Llama 3.1 8B: 2 (K,V) × 32 layers × 8 kv heads × 128 dims × 2 bytes = 131,072 bytes per token.
  assert.equal(kvBytesPerToken(catalog.model("llama-3.1-8b"), 2), 131072);
  const model = catalog.model("llama-3.1-8b");
  const bf16 = weightBytes(model, PRECISIONS.bf16);
  const fp8 = weightBytes(model, PRECISIONS.fp8);
  const int4 = weightBytes(model, PRECISIONS.int4);
  assert.ok(Math.abs(bf16 / 1e9 - 16.06) < 0.05);
  assert.ok(fp8 < bf16 && int4 < fp8);
  // Embeddings stay bf16: fp8 is more than half of bf16.
  assert.ok(fp8 > bf16 / 2);
});
