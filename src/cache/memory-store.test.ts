import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../core/errors.ts";
import { createMemoryStore } from "./memory-store.ts";
import { runCacheStoreContract } from "./store-contract.ts";
import { cacheKey, canonicalText, hashConfig } from "./key.ts";

runCacheStoreContract("memory", async (options) => createMemoryStore(options));

test("entries expire after the ttl", async () => {
  let clock = 0;
  const store = createMemoryStore<number>({ maxEntries: 10, ttlMs: 100, now: () => clock });
  await store.set("a", 1);
  clock = 50;
  assert.equal(await store.get("a"), 1);
  clock = 151;
  assert.equal(await store.get("a"), undefined);
});

test("bad bounds are refused", () => {
  assert.throws(() => createMemoryStore({ maxEntries: 0 }), FrugalError);
  assert.throws(() => createMemoryStore({ maxEntries: 10, ttlMs: -1 }), FrugalError);
  assert.throws(() => createMemoryStore({ maxEntries: 1, maxBytes: 10 }), FrugalError, "a byte bound needs a sizeOf");
});

test("cache keys: canonical text matches, any parameter change misses", () => {
  const base = { taskName: "t", taskKind: "classify", text: "Hello\r\nworld ", scope: hashConfig({ model: "a", threshold: 0.5 }) };
  assert.equal(cacheKey(base), cacheKey({ ...base, text: "Hello\nworld" }));
  assert.equal(canonicalText("e\u0301"), "\u00e9");
  assert.notEqual(cacheKey(base), cacheKey({ ...base, text: "hello\nworld" }));
  assert.notEqual(cacheKey(base), cacheKey({ ...base, scope: hashConfig({ model: "a", threshold: 0.6 }) }));
  assert.notEqual(cacheKey(base), cacheKey({ ...base, taskName: "u" }));
  assert.notEqual(cacheKey(base), cacheKey({ ...base, fields: ["total"] }));
  assert.equal(cacheKey({ ...base, fields: ["a", "b"] }), cacheKey({ ...base, fields: ["b", "a"] }));
  assert.equal(hashConfig({ a: 1, b: 2 }), hashConfig({ b: 2, a: 1 }));
});
