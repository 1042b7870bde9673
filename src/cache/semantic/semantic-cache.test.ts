import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSemanticCacheModel } from "./model-file.ts";
import { createSemanticCache, semanticKey } from "./semantic-cache.ts";
import { testSemanticCacheModel } from "./test-model.ts";

const model = loadSemanticCacheModel(testSemanticCacheModel());

test("a rephrased question hits, a negated one misses, another scope never hits", () => {
  const cache = createSemanticCache<string>({ model, maxEntries: 100 });
  cache.set("team-a", "How do I enable 2FA on my account?", "answer-enable");
  cache.set("team-a", "What is the capital of France?", "answer-paris");
  assert.equal(cache.get("team-a", "how do I enable 2FA on my account")?.value, "answer-enable");
  assert.equal(cache.get("team-a", "How do I disable 2FA on my account?"), undefined);
  assert.equal(cache.get("team-b", "How do I enable 2FA on my account?"), undefined);
  assert.deepEqual({ hits: cache.stats().hits, misses: cache.stats().misses }, { hits: 1, misses: 2 });
});

test("bounded: the least recently used entry goes first, across scopes", () => {
  const cache = createSemanticCache<number>({ model, maxEntries: 2 });
  cache.set("s1", "What is the capital of France?", 1);
  cache.set("s2", "What is the capital of Spain?", 2);
  assert.equal(cache.get("s1", "What is the capital of France?")?.value, 1);
  cache.set("s2", "How do I learn Python?", 3); // evicts s2's Spain entry, the least recently used
  assert.equal(cache.get("s2", "What is the capital of Spain?"), undefined);
  assert.equal(cache.get("s1", "What is the capital of France?")?.value, 1);
  assert.equal(cache.stats().entries, 2);
  assert.equal(cache.stats().evictions, 1);
});

test("semantic keys: the scope covers tenant, target, system prompt and parameters; only the last user message is the text", () => {
  const body = (system: string, user: string, extra: Record<string, unknown> = {}) => ({
    model: "m",
    temperature: 0,
    messages: [{ role: "system", content: system }, { role: "user", content: user }],
    ...extra,
  });
  const a = semanticKey("team-a", "route:m", body("Be brief.", "How do I reset my password?"));
  assert.equal(a?.text, "How do I reset my password?");
  assert.equal(semanticKey("team-a", "route:m", body("Be brief.", "Something else"))?.scope, a?.scope);
  assert.equal(semanticKey("team-a", "route:m", body("Be brief.", "Something else", { stream: true }))?.scope, a?.scope);
  assert.notEqual(semanticKey("team-b", "route:m", body("Be brief.", "x"))?.scope, a?.scope);
  assert.notEqual(semanticKey("team-a", "route:m", body("Be verbose.", "x"))?.scope, a?.scope);
  assert.notEqual(semanticKey("team-a", "route:m", body("Be brief.", "x", { temperature: 0.5 }))?.scope, a?.scope);
  assert.notEqual(semanticKey("team-a", "route:other", body("Be brief.", "x"))?.scope, a?.scope);
  assert.equal(semanticKey("t", "r", { messages: [{ role: "assistant", content: "hi" }] }), undefined);
  assert.equal(semanticKey("t", "r", { messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }), undefined);
});
