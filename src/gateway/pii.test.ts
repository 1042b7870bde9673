/**
 * PII policies through the gateway, as an upstream and a client see them: `redact` sends placeholders and gives the
 * client its values back (JSON, streams whose upstream splits a placeholder over chunks, extract fields), `block`
 * refuses with 400 pii_detected before anything leaves, `local_only` lets only on-prem targets and tiers see the text.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { lastUserText, type FakeChatRequest } from "../../test/fixtures/fake-openai-server.ts";
import { ledgerRows, newRequestId, postJson, readSse, rowOf, userMessage, type OpenAiErrorShape } from "./testing/behaviour.ts";
import { RECEIPT_TEXT, startTestGateway, TEST_LABELS, UNSURE_TEXT, type TestGateway } from "./testing/test-gateway.ts";

const EMAIL = "jane.doe@example.com";
const IBAN = "DE89370400440532013000";
const PHONE = "+33 6 12 34 56 78";
const SECRET_TEXT = `mail ${EMAIL} or wire to ${IBAN} now`;

const sentText = (server: { requests: Array<{ body: FakeChatRequest | undefined }> }): string => JSON.stringify(server.requests.at(-1)?.body ?? {});

describe("route policies", () => {
  let gw: TestGateway;
  let key: string;
  before(async () => {
    gw = await startTestGateway();
    key = await gw.createKey({ team: "pii" });
  });
  after(() => gw.close());
  const chat = (body: Record<string, unknown>, requestId?: string) => postJson(gw.baseURL, "/chat/completions", body, { key, ...(requestId !== undefined ? { requestId } : {}) });

  it("redact: the upstream sees placeholders, the client its own values", async () => {
    const res = await chat({ model: "pii-route", messages: [{ role: "system", content: `the user is ${PHONE}` }, ...userMessage(SECRET_TEXT)] });
    assert.equal(res.status, 200);
    const upstream = sentText(gw.a);
    for (const value of [EMAIL, IBAN, PHONE]) assert.ok(!upstream.includes(value), `${value} did not leave`);
    assert.ok(upstream.includes("mail [EMAIL_1] or wire to [IBAN_1] now") && upstream.includes("[PHONE_1]"), upstream);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(body.choices[0]?.message.content, `echo: ${SECRET_TEXT}`);
  });

  for (const chunkSize of [1, 2, 3]) {
    it(`redact, streamed in ${chunkSize}-character chunks: placeholders split across chunks are still restored`, async () => {
      gw.a.enqueue({ type: "answer", chunkSize });
      const res = await chat({ model: "pii-route", stream: true, stream_options: { include_usage: true }, messages: userMessage(SECRET_TEXT) });
      assert.equal(res.status, 200);
      const sse = await readSse(res);
      assert.ok(sse.done, "the stream ends with [DONE]");
      assert.equal(sse.content, `echo: ${SECRET_TEXT}`);
      assert.ok(!sse.raw.includes("[EMAIL") && !sse.raw.includes("[IBAN"), "no placeholder, whole or partial, reaches the client");
      assert.ok(sse.chunks.some((c) => c.usage !== undefined && c.usage !== null), "usage still arrives");
      assert.ok(!sentText(gw.a).includes(EMAIL));
    });
  }

  it("block: 400 pii_detected, nothing sent upstream, the types (not the values) in the ledger", async () => {
    const before = gw.a.requests.length + gw.b.requests.length;
    const id = newRequestId("block");
    const res = await chat({ model: "secret-route", messages: userMessage(SECRET_TEXT) }, id);
    assert.equal(res.status, 400);
    const text = await res.text();
    const body = JSON.parse(text) as OpenAiErrorShape;
    assert.deepEqual([body.error.code, body.error.type], ["pii_detected", "invalid_request_error"]);
    assert.ok(!text.includes(EMAIL) && !text.includes(IBAN), "the error does not echo the values");
    assert.equal(gw.a.requests.length + gw.b.requests.length, before);
    assert.deepEqual((await rowOf(gw.dataDir, id))?.pii, { email: 1, iban: 1 });
    assert.equal((await chat({ model: "secret-route", messages: userMessage("nothing personal here") })).status, 200, "clean text passes");
  });

  it("local_only: with PII only the on-prem upstream is called; without, the route's first target", async () => {
    const [a0, b0] = [gw.a.requests.length, gw.b.requests.length];
    const id = newRequestId("local");
    const res = await chat({ model: "local-route", messages: userMessage(SECRET_TEXT) }, id);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-frugal-upstream"), "b");
    assert.deepEqual([gw.a.requests.length - a0, gw.b.requests.length - b0], [0, 1]);
    assert.ok(sentText(gw.b).includes(EMAIL), "on premises the text goes as written");
    const row = await rowOf(gw.dataDir, id);
    assert.deepEqual([row?.provider, row?.onPrem, row?.pii], ["b", true, { email: 1, iban: 1 }]);
    // Even when the on-prem target fails, the request never falls back to the other one.
    gw.b.enqueue({ type: "error", status: 500 });
    const failed = await chat({ model: "local-route", stream: true, messages: userMessage(SECRET_TEXT) });
    assert.ok(failed.status >= 500, `failed on b: ${failed.status}`);
    await failed.text();
    assert.equal(gw.a.requests.length - a0, 0, "a never saw it");
    assert.equal((await chat({ model: "local-route", messages: userMessage("nothing personal") })).headers.get("x-frugal-upstream"), "a");
  });
});

describe("task policies and embeddings", () => {
  let gw: TestGateway;
  let key: string;
  // The LLM tier answers the intents prompt with a label and the receipts prompt with the placeholder it was given.
  const answer = (req: FakeChatRequest): string => {
    const text = lastUserText(req);
    if (text.includes(UNSURE_TEXT)) return "pin_blocked";
    if (text.includes("TOTAL")) return JSON.stringify({ company: /\[EMAIL_\d+\]/.exec(text)?.[0] ?? "no placeholder", date: "12/03/2019", total: "10.00" });
    return "card_arrival";
  };
  before(async () => {
    gw = await startTestGateway({
      upstreamA: { answer },
      config: {
        tasks: [
          { name: "intents", kind: "classify", labels: TEST_LABELS, tiers: ["cache", "compact", "llm"], pii: { policy: "local_only" } },
          { name: "intents-redact", kind: "classify", labels: TEST_LABELS, tiers: ["compact", "llm"], pii: { policy: "redact" } },
          { name: "receipts", kind: "extract", fields: ["company", "date", "total"], tiers: ["extractor", "llm-extract"], escalation: { on_exhausted: "best_effort" }, pii: { policy: "redact" } },
        ],
        route_policies: { "text-embedding-3-small": { pii: { policy: "block" } } },
      },
    });
    key = await gw.createKey({ team: "pii" });
  });
  after(() => gw.close());

  it("local_only task: PII keeps the request on the compact tier, marked degraded when below its threshold", async () => {
    const before = gw.a.requests.length;
    const res = await postJson(gw.baseURL, "/tasks/intents", { input: `call me at ${EMAIL}` }, { key });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { tier: string; degraded: boolean; degraded_reason?: string; escalated: boolean; pii?: Record<string, number> };
    assert.deepEqual([body.tier, body.degraded, body.pii], ["compact", true, { email: 1 }]);
    assert.match(body.degraded_reason ?? "", /local_only/);
    assert.equal(gw.a.requests.length, before, "the LLM tier was not asked");
    // Without PII the same task escalates as usual.
    const clean = (await (await postJson(gw.baseURL, "/tasks/intents", { input: UNSURE_TEXT }, { key })).json()) as { tier: string; degraded: boolean };
    assert.deepEqual([clean.tier, clean.degraded], ["llm", false]);
    assert.equal(gw.a.requests.length, before + 1);
  });

  it("redact task: the LLM tier sees placeholders; an extract field holding one comes back with the value", async () => {
    const classified = await postJson(gw.baseURL, "/chat/completions", { model: "intents-redact", messages: userMessage(`${UNSURE_TEXT}, I am ${EMAIL}`) }, { key });
    assert.equal(classified.status, 200);
    assert.ok(!sentText(gw.a).includes(EMAIL) && sentText(gw.a).includes("[EMAIL_1]"), "the LLM tier saw a placeholder");
    assert.equal(((await classified.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content, "pin_blocked");

    const id = newRequestId("extract");
    const extracted = await postJson(gw.baseURL, "/tasks/receipts", { input: `${RECEIPT_TEXT}\nseller ${EMAIL}` }, { key, requestId: id });
    assert.equal(extracted.status, 200);
    assert.ok(!sentText(gw.a).includes(EMAIL), "the extract prompt was redacted");
    const fields = ((await extracted.json()) as { fields: Record<string, string | null> }).fields;
    assert.equal(fields.company, EMAIL, "the placeholder in the field is restored");
    const rows = await ledgerRows(gw.dataDir);
    assert.ok(!JSON.stringify(rows).includes(EMAIL));
    assert.deepEqual(rows.find((r) => r.requestId === id)?.pii, { email: 1 });
  });

  it("an embeddings route under block refuses PII in `input` too", async () => {
    const before = gw.a.requests.length;
    const res = await postJson(gw.baseURL, "/embeddings", { model: "text-embedding-3-small", input: [`contact ${EMAIL}`] }, { key });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as OpenAiErrorShape).error.code, "pii_detected");
    assert.equal(gw.a.requests.length, before, "nothing was embedded upstream");
    assert.equal((await postJson(gw.baseURL, "/embeddings", { model: "text-embedding-3-small", input: "clean text" }, { key })).status, 200);
  });
});
