import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryStore } from "../cache/index.ts";
import { FrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import { createCacheTier, createCompactTier, createLlmTier, type CascadeTierAnswer } from "../tiers/index.ts";
import { fakeEstimator, fakeMeter, scriptedProvider, tableClassifier, tableExtractor } from "../tiers/testing.ts";
import { createCascade } from "./cascade.ts";
import { DEFAULT_POLICY } from "./policy.ts";
import { windowedContext } from "./context.ts";
import { scoreAnswer } from "../poc/score.ts";
import { keepsOneHiddenClass } from "../core/testing/hidden-class.ts";

const labels = ["card_arrival", "pin_blocked"];
const task: TaskSpec = { name: "intent", kind: "classify", labels };
const model = tableClassifier(labels, { sure: { label: "card_arrival", confidence: 0.95 }, unsure: { label: "card_arrival", confidence: 0.3 } }, 0.5);

function chain(reply: Parameters<typeof scriptedProvider>[0], policy = DEFAULT_POLICY) {
  const provider = scriptedProvider(reply);
  const cache = createCacheTier({ name: "cache", store: createMemoryStore<CascadeTierAnswer>({ maxEntries: 100 }), scope: "s" });
  const compact = createCompactTier({ name: "compact", model, meter: fakeMeter(), modelId: "m" });
  const llm = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), provider });
  return { provider, cascade: createCascade({ name: "frugal", task, tiers: [cache, compact, llm], policy }) };
}

test("a sure compact answer stands; an unsure one escalates; the final answer is cached", async () => {
  const { provider, cascade } = chain(() => "pin_blocked");
  const sure = await cascade.run({ input: { text: "sure" } });
  assert.equal(sure.answeredBy, "compact");
  assert.equal(sure.escalated, false);
  assert.deepEqual(sure.steps.map((s) => s.outcome), ["miss", "accepted"]);
  const unsure = await cascade.run({ input: { text: "unsure" } });
  assert.equal(unsure.answeredBy, "big");
  assert.equal(unsure.escalated, true);
  assert.deepEqual(unsure.steps.map((s) => s.outcome), ["miss", "escalated", "accepted"]);
  assert.deepEqual(unsure.steps[1]?.output, { kind: "classify", label: "card_arrival" }, "the passed-by answer is kept for the sweep");
  assert.deepEqual(unsure.answer?.output, { kind: "classify", label: "pin_blocked" });
  const again = await cascade.run({ input: { text: "unsure" } });
  assert.equal(again.answeredBy, "cache");
  assert.deepEqual(again.answer?.output, { kind: "classify", label: "pin_blocked" });
  assert.equal(again.answer?.usage.costUsd, 0);
  assert.equal(provider.requests.length, 1);
});

test("a rule sends matching inputs straight to its tier", async () => {
  const { cascade } = chain(() => "pin_blocked", { ...DEFAULT_POLICY, rules: [{ name: "long", when: { minChars: 10 }, route: "big" }] });
  const result = await cascade.run({ input: { text: "sure but very long" } });
  assert.equal(result.routedBy, "long");
  assert.equal(result.answeredBy, "big");
  assert.deepEqual(result.steps.map((s) => s.outcome), ["miss", "skipped", "accepted"]);
  assert.throws(() => chain(() => "x", { ...DEFAULT_POLICY, rules: [{ name: "r", when: { tag: "vip" }, route: "nowhere" }] }), FrugalError);
});

test("a failing last tier is a failed result, not an exception; best_effort keeps the unsure answer", async () => {
  const down = () => new FrugalError("upstream_unavailable", "connection refused");
  const failed = await chain(down).cascade.run({ input: { text: "unsure" } });
  assert.equal(failed.answer, null);
  assert.equal(failed.error?.code, "upstream_unavailable");
  assert.deepEqual(failed.steps.map((s) => s.outcome), ["miss", "escalated", "error"]);
  const kept = await chain(down, { ...DEFAULT_POLICY, onExhausted: "best_effort" }).cascade.run({ input: { text: "unsure" } });
  assert.equal(kept.degraded, true);
  assert.equal(kept.answeredBy, "compact");
  assert.equal(kept.error?.code, "upstream_unavailable");
});

test("an error in a middle tier falls back to the next one", async () => {
  const broken = createLlmTier({ name: "small", model: "s", meter: fakeMeter(), provider: scriptedProvider(() => new FrugalError("provider_timeout", "timed out")) });
  const big = createLlmTier({ name: "big", model: "b", meter: fakeMeter(), provider: scriptedProvider(() => "card_arrival") });
  const result = await createCascade({ name: "p", task, tiers: [broken, big] }).run({ input: { text: "x" } });
  assert.equal(result.answeredBy, "big");
  assert.equal(result.fellBack, true);
});

test("a tier past its deadline is aborted and the next one answers", async () => {
  const slow = {
    name: "slow",
    kind: "llm" as const,
    description: {},
    answer: ({ signal }: { signal?: AbortSignal }) =>
      new Promise<CascadeTierAnswer>((_resolve, reject) => signal?.addEventListener("abort", () => reject(new FrugalError("provider_timeout", "deadline")))),
  };
  const big = createLlmTier({ name: "big", model: "b", meter: fakeMeter(), provider: scriptedProvider(() => "card_arrival") });
  const result = await createCascade({ name: "p", task, tiers: [slow, big], policy: { ...DEFAULT_POLICY, timeoutMs: { slow: 20 } } }).run({ input: { text: "x" } });
  assert.equal(result.steps[0]?.outcome, "error");
  assert.equal(result.answeredBy, "big");
});

test("a modeled llm answers with no content and is final", async () => {
  const compact = createCompactTier({ name: "compact", model, meter: fakeMeter(), modelId: "m" });
  const llm = createLlmTier({ name: "big", model: "m", meter: fakeMeter(), estimator: fakeEstimator() });
  const result = await createCascade({ name: "p", task, tiers: [compact, llm] }).run({ input: { text: "unsure" } });
  assert.equal(result.answeredBy, "big");
  assert.equal(result.answer?.output, null);
  assert.equal(result.steps[1]?.modeled, true);
});

test("extract: only fields below their threshold go to the LLM, with reduced context; answers merge per field", async () => {
  const fields = ["date", "total", "company"];
  const doc = "ACME SDN BHD\nNO 5 JALAN\nDATE 01/02/2019\nITEM 1\nITEM 2\nSUBTOTAL 8.00\nTOTAL 9.00\nTHANK YOU";
  const extractor = tableExtractor(
    fields,
    {
      [doc]: {
        date: { value: "01/02/2019", confidence: 0.99, lines: ["DATE 01/02/2019"] },
        total: { value: "8.00", confidence: 0.4, lines: ["TOTAL 9.00", "SUBTOTAL 8.00"] },
        company: { value: "ACME SDN BHD", confidence: 0.9, lines: ["ACME SDN BHD"] },
      },
    },
    { date: 0.8, total: 0.8, company: 0.8 },
  );
  const provider = scriptedProvider(() => '{"total": "9.00"}');
  const cascade = createCascade({
    name: "p",
    task: { name: "receipts", kind: "extract", fields },
    tiers: [createCompactTier({ name: "compact", model: extractor, meter: fakeMeter(), modelId: "x" }), createLlmTier({ name: "big", model: "b", meter: fakeMeter(), provider })],
    context: { topLines: 2, window: 0 },
  });
  const result = await cascade.run({ input: { text: doc } });
  assert.deepEqual(result.answer?.output, { kind: "extract", fields: { date: "01/02/2019", total: "9.00", company: "ACME SDN BHD" } });
  assert.deepEqual(result.answer?.fieldSource, { date: "compact", total: "big", company: "compact" });
  assert.deepEqual(result.steps[0]?.escalatedFields, ["total"]);
  assert.deepEqual(result.steps[1]?.fields, ["total"]);
  const prompt = provider.requests[0]?.messages[0]?.content ?? "";
  assert.ok(prompt.includes("SUBTOTAL 8.00\nTOTAL 9.00"), prompt);
  assert.ok(prompt.includes("..."), "skipped runs are marked");
  assert.ok(!prompt.includes("ACME") && !prompt.includes("THANK YOU"), "the prompt carries only the ranked lines");
});

test("windowed context: document order, neighbours, skipped runs marked, whole document when a field has no line", () => {
  const doc = "a\nb\nc\nd\ne";
  assert.deepEqual(windowedContext(doc, { f: ["d", "b"] }, ["f"], { topLines: 2, window: 0 }), { f: ["...", "b", "...", "d", "..."] });
  assert.deepEqual(windowedContext(doc, { f: ["c"] }, ["f"], { topLines: 1, window: 1 }), { f: ["...", "b", "c", "d", "..."] });
  assert.equal(windowedContext(doc, { f: ["c"], g: [] }, ["f", "g"]), undefined);
});

test("extract with a modeled LLM: kept fields stay scorable, escalated ones are unknown", async () => {
  const fields = ["date", "total"];
  const extractor = tableExtractor(
    fields,
    { doc: { date: { value: "01/02/2019", confidence: 0.99, lines: ["DATE 01/02/2019"] }, total: { value: "8.00", confidence: 0.2, lines: ["TOTAL 9.00"] } } },
    { date: 0.8, total: 0.8 },
  );
  const cascade = createCascade({
    name: "p",
    task: { name: "receipts", kind: "extract", fields },
    tiers: [createCompactTier({ name: "compact", model: extractor, meter: fakeMeter(), modelId: "x" }), createLlmTier({ name: "big", model: "b", meter: fakeMeter(), estimator: fakeEstimator() })],
  });
  const result = await cascade.run({ input: { text: "doc" } });
  assert.deepEqual(result.answer?.output, { kind: "extract", fields: { date: "01/02/2019", total: null } });
  assert.deepEqual(result.answer?.unknownFields, ["total"]);
  assert.equal(result.answer?.fieldSource?.total, "big");
});

test("extract: when the LLM fails, the fields the extractor kept stand and only the escalated ones fail", async () => {
  const fields = ["date", "total", "company"];
  const doc = "ACME SDN BHD\nDATE 01/02/2019\nTOTAL 9.00";
  const extractor = tableExtractor(
    fields,
    {
      [doc]: {
        date: { value: "01/02/2019", confidence: 0.99, lines: ["DATE 01/02/2019"] },
        total: { value: "9.00", confidence: 0.95, lines: ["TOTAL 9.00"] },
        company: { value: "ACME", confidence: 0.3, lines: ["ACME SDN BHD"] },
      },
    },
    { date: 0.8, total: 0.8, company: 0.8 },
  );
  const compact = createCompactTier({ name: "compact", model: extractor, meter: fakeMeter(), modelId: "x" });
  const throwing = { name: "big", kind: "llm" as const, description: {}, answer: async (): Promise<CascadeTierAnswer> => Promise.reject(new Error("socket hang up")) };
  const notJson = createLlmTier({ name: "big", model: "b", meter: fakeMeter(), provider: scriptedProvider(() => "Sorry, I cannot read this receipt.") });
  const extractTask: TaskSpec = { name: "receipts", kind: "extract", fields };
  for (const llm of [throwing, notJson]) {
    const result = await createCascade({ name: "p", task: extractTask, tiers: [compact, llm] }).run({ input: { text: doc } });
    assert.deepEqual(result.answer?.output, { kind: "extract", fields: { date: "01/02/2019", total: "9.00", company: null } });
    assert.deepEqual(result.answer?.failedFields, ["company"]);
    assert.deepEqual(result.answer?.fieldSource, { date: "compact", total: "compact" });
    assert.equal(result.answer?.fieldConfidence?.company, 0);
    assert.equal(result.degraded, true, "a failed escalation still counts as a failed request");
    assert.ok(result.error !== undefined);
    assert.deepEqual(result.steps.map((s) => s.outcome), ["partial", "error"]);
    // Scored per field, as the PoC scores it: the kept fields are right, the failed one is wrong, not the whole document.
    const score = scoreAnswer(result.answer?.output ?? null, { kind: "extract", fields: { date: "01/02/2019", total: "9.00", company: "ACME SDN BHD" } }, fields);
    assert.deepEqual(score.fieldCorrect, { date: true, total: true, company: false });
  }
  // best_effort keeps the extractor's unsure value instead of failing the field.
  const kept = await createCascade({ name: "p", task: extractTask, tiers: [compact, throwing], policy: { ...DEFAULT_POLICY, onExhausted: "best_effort" } }).run({ input: { text: doc } });
  assert.deepEqual(kept.answer?.output, { kind: "extract", fields: { date: "01/02/2019", total: "9.00", company: "ACME" } });
  assert.equal(kept.answer?.failedFields, undefined);
});

test("a result keeps one hidden class from request to request (no old-space garbage per answer)", async () => {
  const { cascade } = chain(() => "pin_blocked");
  // Answered by the compact tier, by the LLM after an escalation, and from the cache: each path one shape.
  assert.equal(await keepsOneHiddenClass(() => cascade.run({ input: { text: "sure" } })), true);
  let n = 0;
  assert.equal(await keepsOneHiddenClass(() => cascade.run({ input: { text: `unsure ${n++}` } })), true);
  assert.equal(await keepsOneHiddenClass(() => cascade.run({ input: { text: "unsure 1" } })), true);
});
