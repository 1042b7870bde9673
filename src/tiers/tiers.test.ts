import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryStore } from "../cache/index.ts";
import { FrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import { createCacheTier, createCompactTier, createLlmTier, type CascadeTierAnswer } from "./index.ts";
import { fakeEstimator, fakeMeter, scriptedProvider, tableClassifier, tableExtractor } from "./testing.ts";

const classify: TaskSpec = { name: "intent", kind: "classify", labels: ["card_arrival", "pin_blocked"] };
const extract: TaskSpec = { name: "receipts", kind: "extract", fields: ["date", "total"] };

test("compact classify: answers with its confidence and a measured CPU cost", async () => {
  const model = tableClassifier(["card_arrival", "pin_blocked"], { "where is my card": { label: "card_arrival", confidence: 0.9 } }, 0.7);
  const tier = createCompactTier({ name: "compact", model, meter: fakeMeter(), modelId: "m" });
  assert.equal(tier.threshold, 0.7);
  const answer = await tier.answer({ task: classify, input: { text: "where is my card" } });
  assert.deepEqual(answer?.output, { kind: "classify", label: "card_arrival" });
  assert.equal(answer?.confidence, 0.9);
  assert.equal(answer?.usage.latencyProvenance, "measured");
  assert.ok((answer?.usage.cpuMs ?? -1) >= 0);
  assert.equal(createCompactTier({ name: "c", model, meter: fakeMeter(), modelId: "m", threshold: 0.2 }).threshold, 0.2);
  assert.throws(() => createCompactTier({ name: "c", model, meter: fakeMeter(), modelId: "m", threshold: 2 }), FrugalError);
});

test("compact extract: per-field values, confidences, lines and thresholds", async () => {
  const model = tableExtractor(
    ["date", "total"],
    { doc: { date: { value: "01/02/2019", confidence: 0.95, lines: ["DATE 01/02/2019"] }, total: { value: "9.00", confidence: 0.3, lines: ["TOTAL 9.00"] } } },
    { date: 0.8, total: 0.9 },
  );
  const tier = createCompactTier({ name: "x", model, meter: fakeMeter(), modelId: "m", fieldThresholds: { total: 0.5 } });
  assert.deepEqual(tier.fieldThresholds, { date: 0.8, total: 0.5 });
  const answer = await tier.answer({ task: extract, input: { text: "doc" } });
  assert.deepEqual(answer?.output, { kind: "extract", fields: { date: "01/02/2019", total: "9.00" } });
  assert.equal(answer?.confidence, 0.3);
  assert.deepEqual(answer?.fieldLines?.total, ["TOTAL 9.00"]);
  assert.throws(() => createCompactTier({ name: "x", model, meter: fakeMeter(), modelId: "m", fieldThresholds: { nope: 0.5 } }), /unknown field/);
});

test("cache tier: miss, then a zero-cost hit replaying the stored answer; scope separates configs", async () => {
  const store = createMemoryStore<CascadeTierAnswer>({ maxEntries: 10 });
  const tier = createCacheTier({ name: "cache", store, scope: "a" });
  const request = { task: classify, input: { text: "where is my card" } };
  assert.equal(await tier.answer(request), null);
  const original: CascadeTierAnswer = {
    tier: "big",
    tierKind: "llm",
    output: { kind: "classify", label: "card_arrival" },
    confidence: 0.8,
    usage: { inputTokens: 10, outputTokens: 2, tokenProvenance: "measured", latencyMs: 300, latencyProvenance: "measured", costUsd: 0.01, costProvenance: "modeled", energyJ: 5, energyProvenance: "modeled" },
  };
  await tier.remember?.(request, original);
  const hit = await tier.answer({ task: classify, input: { text: "  where is my card\r\n" } });
  assert.equal(hit?.tier, "cache");
  assert.equal(hit?.cachedFrom, "big");
  assert.equal(hit?.usage.costUsd, 0);
  assert.deepEqual(hit?.output, original.output);
  const other = createCacheTier({ name: "cache", store, scope: "b" });
  assert.equal(await other.answer(request), null);
});

test("llm tier: renders the prompt, parses the label, prices returned tokens", async () => {
  const provider = scriptedProvider(() => "The answer is: Card Arrival.");
  const tier = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider });
  const answer = await tier.answer({ task: classify, input: { text: "where is my card" } });
  assert.deepEqual(answer?.output, { kind: "classify", label: "card_arrival" });
  assert.equal(answer?.usage.tokenProvenance, "measured");
  assert.ok((answer?.usage.costUsd ?? 0) > 0);
  const prompt = provider.requests[0]?.messages[0]?.content ?? "";
  assert.ok(prompt.includes("where is my card") && prompt.includes("pin_blocked"));
});

test("llm tier: an answer that fails the contract is asked again once, then is a schema_violation", async () => {
  const flaky = scriptedProvider((_r, i) => (i === 0 ? "no idea" : "pin_blocked"));
  const ok = await createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider: flaky }).answer({ task: classify, input: { text: "x" } });
  assert.deepEqual(ok?.output, { kind: "classify", label: "pin_blocked" });
  assert.equal(flaky.requests.length, 2);
  const bad = scriptedProvider(() => "qqqq zzzz");
  const tier = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider: bad });
  await assert.rejects(tier.answer({ task: classify, input: { text: "x" } }), (e: unknown) => e instanceof FrugalError && e.code === "schema_violation");
  assert.equal(bad.requests.length, 2);
});

test("llm tier extract: asks for the escalated fields alone, with the reduced context and a JSON schema", async () => {
  const provider = scriptedProvider(() => '```json\n{"total": "9.00"}\n```');
  const tier = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider });
  const doc = "SHOP\nline 2\nline 3\nTOTAL 9.00\nTHANK YOU";
  const answer = await tier.answer({ task: extract, input: { text: doc }, fields: ["total"], contextLines: { total: ["line 3", "TOTAL 9.00"] } });
  assert.deepEqual(answer?.output, { kind: "extract", fields: { total: "9.00" } });
  const sent = provider.requests[0];
  assert.ok(sent?.jsonSchema !== undefined && JSON.stringify(sent.jsonSchema.schema).includes("total"));
  assert.ok(!JSON.stringify(sent?.jsonSchema?.schema).includes("date"));
  const prompt = sent?.messages[0]?.content ?? "";
  assert.ok(prompt.includes("TOTAL 9.00") && !prompt.includes("SHOP"));
  assert.ok((answer?.promptTokenEstimate?.sent ?? 0) < (answer?.promptTokenEstimate?.full ?? 0));
});

test("llm tier with no endpoint is modeled: no content, modeled cost and latency, no sleeping", async () => {
  const tier = createLlmTier({ name: "big", model: "llama-70b", meter: fakeMeter(), estimator: fakeEstimator(3_600_000) });
  assert.equal(tier.modeled, true);
  const started = performance.now();
  const answer = await tier.answer({ task: classify, input: { text: "where is my card" } });
  // An hour of modeled latency: a tier that slept it out would never get here within the test runner's patience.
  assert.ok(performance.now() - started < 60_000, "a modeled tier must not wait out its modeled latency");
  assert.equal(answer?.output, null);
  assert.equal(answer?.usage.latencyMs, 3_600_000);
  assert.equal(answer?.usage.latencyProvenance, "modeled");
  assert.equal(answer?.usage.costProvenance, "modeled");
  assert.ok((answer?.usage.inputTokens ?? 0) > 0);
  assert.throws(() => createLlmTier({ name: "big", model: "m", meter: fakeMeter() }), FrugalError);
});

test("llm tier: a schema violation carries the usage of the wasted attempts", async () => {
  const tier = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider: scriptedProvider(() => "qqqq zzzz") });
  await assert.rejects(tier.answer({ task: classify, input: { text: "where is my card" } }), (e: unknown) => {
    const usage = e instanceof FrugalError ? (e.details.usage as { inputTokens: number; costUsd: number } | undefined) : undefined;
    return usage !== undefined && usage.inputTokens > 0 && usage.costUsd > 0;
  });
});

test("llm tier: tokens a provider reports on its own schema_violation are billed, with the tier's earlier attempts", async () => {
  // A provider that re-asked once itself and gave up reports what it spent (schema-answer.ts), as a bare ChatUsage.
  const gaveUp = new FrugalError("schema_violation", "2 generations did not fit the JSON schema", {
    details: { usage: { inputTokens: 40, outputTokens: 12, provenance: "measured" } },
  });
  const tier = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider: scriptedProvider(() => gaveUp) });
  await assert.rejects(tier.answer({ task: extract, input: { text: "TOTAL 9.00\n01/02/2019" } }), (e: unknown) => {
    const usage = e instanceof FrugalError ? (e.details.usage as { inputTokens: number; outputTokens: number; costUsd: number; latencyMs: number } | undefined) : undefined;
    return usage !== undefined && usage.inputTokens === 40 && usage.outputTokens === 12 && usage.costUsd > 0 && typeof usage.latencyMs === "number";
  });
});
