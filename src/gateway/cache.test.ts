/**
 * The exact cache, seen from a client and the upstream: a deterministic repeat is served without calling upstream and
 * ledgered as a free cache hit; sampled requests, any changed parameter, another team, and failed answers are not
 * served from it. Then tasks without an LLM endpoint: the compact answer is returned marked degraded, never cached.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { newRequestId, postJson, readSse, rowOf, userMessage } from "./testing/behaviour.ts";
import { startTestGateway, SURE_TEXT, UNSURE_TEXT, type TestGateway } from "./testing/test-gateway.ts";

const TOOL = { type: "function", function: { name: "lookup", description: "look a thing up", parameters: { type: "object", properties: { q: { type: "string" } } } } };

describe("exact cache", () => {
  let gw: TestGateway;
  let key: string;
  before(async () => {
    gw = await startTestGateway();
    key = await gw.createKey({ team: "red" });
  });
  after(() => gw.close());
  const calls = () => gw.a.requests.length + gw.b.requests.length;
  const chat = (body: Record<string, unknown>, k = key, requestId?: string) => postJson(gw.baseURL, "/chat/completions", body, { key: k, ...(requestId !== undefined ? { requestId } : {}) });
  /** Sends the body and says whether it was a hit, checking that a hit called nobody upstream and a miss someone. */
  const hit = async (body: Record<string, unknown>, k = key): Promise<boolean> => {
    const before = calls();
    const res = await chat(body, k);
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    const wasHit = res.headers.get("x-frugal-cache") === "hit";
    assert.equal(calls() - before, wasHit ? 0 : 1, "a hit never calls upstream, a miss does");
    return wasHit;
  };

  it("temperature 0: the identical second request is a hit, ledgered at zero cost, with the same answer", async () => {
    const body = { model: "gpt-4o", temperature: 0, messages: userMessage("what is the capital of France?") };
    const first = await chat(body);
    const firstText = await first.text();
    const before = calls();
    const id = newRequestId("hit");
    const second = await chat(body, key, id);
    assert.equal(second.headers.get("x-frugal-cache"), "hit");
    assert.equal(calls(), before, "upstream not called again");
    assert.deepEqual(JSON.parse(await second.text()), JSON.parse(firstText));
    const row = await rowOf(gw.dataDir, id);
    assert.deepEqual([row?.cacheHit, row?.costUsd, row?.status, row?.tier], [true, 0, 200, "cache"]);
    // A streamed request is not answered from the cache (nor stored in it).
    const stream = await chat({ ...body, stream: true });
    assert.ok((await readSse(stream)).done);
    assert.equal(calls(), before + 1);
  });

  it("sampled requests are not cached: temperature absent, or above 0", async () => {
    for (const temperature of [undefined, 0.7]) {
      const body = { model: "gpt-4o", ...(temperature !== undefined ? { temperature } : {}), messages: userMessage(`sample at ${temperature}`) };
      assert.equal(await hit(body), false);
      assert.equal(await hit(body), false, `temperature ${temperature}: still a miss`);
    }
  });

  it("every parameter that can change the answer is part of the key", async () => {
    const base = { model: "gpt-4o", temperature: 0, max_tokens: 50, messages: userMessage("parameters matter") };
    assert.equal(await hit(base), false);
    assert.equal(await hit(base), true);
    const variants: Array<[string, Record<string, unknown>]> = [
      ["max_tokens", { ...base, max_tokens: 51 }],
      ["tools", { ...base, tools: [TOOL] }],
      ["system prompt", { ...base, messages: [{ role: "system", content: "answer in French" }, ...base.messages] }],
      ["response_format", { ...base, response_format: { type: "json_object" } }],
      ["seed", { ...base, seed: 7 }],
      ["stop", { ...base, stop: ["\n"] }],
    ];
    for (const [name, body] of variants) assert.equal(await hit(body), false, `a changed ${name} is a miss`);
    // Key order is not a parameter.
    assert.equal(await hit({ messages: base.messages, max_tokens: 50, temperature: 0, model: "gpt-4o" }), true);
  });

  it("never shared across teams; shared by the keys of one team", async () => {
    const body = { model: "gpt-4o", temperature: 0, messages: userMessage("team scoped") };
    assert.equal(await hit(body), false);
    assert.equal(await hit(body, await gw.createKey({ team: "red" })), true, "another key of the same team");
    const blue = await gw.createKey({ team: "blue" });
    assert.equal(await hit(body, blue), false, "another team misses");
    assert.equal(await hit(body, blue), true, "and then has its own entry");
  });

  it("an upstream error is not cached", async () => {
    const body = { model: "pii-route", temperature: 0, messages: userMessage("fails first") };
    gw.a.enqueue({ type: "error", status: 500 });
    const failed = await chat(body);
    assert.ok(failed.status >= 500, `the upstream error surfaces: ${failed.status}`);
    assert.notEqual(failed.headers.get("x-frugal-cache"), "hit");
    await failed.text();
    assert.equal(await hit(body), false, "the retry goes upstream");
    assert.equal(await hit(body), true, "and its success is cached");
  });

  it("task answers are cached per team", async () => {
    const body = { model: "intents", messages: userMessage(`${UNSURE_TEXT} (cache)`) };
    const taskHit = async (k: string) => {
      const before = gw.a.requests.length;
      const res = await chat(body, k);
      const json = (await res.json()) as { choices: Array<{ message: { content: string } }>; frugal: { tier: string; cache_hit: boolean } };
      assert.equal(json.choices[0]?.message.content, "pin_blocked");
      assert.equal(gw.a.requests.length - before, json.frugal.cache_hit ? 0 : 1, "only a miss asks the LLM tier");
      assert.equal(res.headers.get("x-frugal-cache"), json.frugal.cache_hit ? "hit" : "miss");
      return json.frugal.tier;
    };
    assert.equal(await taskHit(key), "llm");
    assert.equal(await taskHit(key), "cache");
    const green = await gw.createKey({ team: "green" });
    assert.equal(await taskHit(green), "llm", "another team's answer is its own");
    assert.equal(await taskHit(green), "cache");
  });
});

describe("tasks without an LLM endpoint", () => {
  let gw: TestGateway;
  let key: string;
  before(async () => {
    gw = await startTestGateway({ taskLlm: false });
    key = await gw.createKey({ team: "offline" });
  });
  after(() => gw.close());

  it("an answer the compact tier would escalate comes back degraded, with the reason, and is not cached", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await postJson(gw.baseURL, "/chat/completions", { model: "intents", messages: userMessage(UNSURE_TEXT) }, { key });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; frugal: { tier: string; degraded: boolean; degraded_reason?: string; cache_hit: boolean } };
      assert.equal(body.choices[0]?.message.content, "exchange_rate", "the compact tier's own label, not a made-up one");
      assert.deepEqual([body.frugal.tier, body.frugal.degraded, body.frugal.cache_hit], ["compact", true, false]);
      assert.match(body.frugal.degraded_reason ?? "", /threshold/);
      assert.match(body.frugal.degraded_reason ?? "", /endpoint/);
      assert.equal(res.headers.get("x-frugal-degraded"), "true");
    }
    const streamed = await readSse(await postJson(gw.baseURL, "/chat/completions", { model: "intents", stream: true, messages: userMessage(UNSURE_TEXT) }, { key }));
    assert.equal(streamed.content, "exchange_rate");
    assert.ok(streamed.chunks.some((c) => (c.frugal as { degraded?: boolean } | undefined)?.degraded === true), "the stream says degraded too");
    assert.equal(gw.a.requests.length + gw.b.requests.length, 0, "no upstream was asked to make up an answer");
  });

  it("an answer the compact tier is sure of is not degraded", async () => {
    const res = await postJson(gw.baseURL, "/tasks/intents", { input: SURE_TEXT }, { key });
    const body = (await res.json()) as { answer: string; tier: string; degraded: boolean; degraded_reason?: string };
    assert.deepEqual([body.answer, body.tier, body.degraded, body.degraded_reason], ["card_arrival", "compact", false, undefined]);
    assert.equal(res.headers.get("x-frugal-degraded"), "false");
  });
});
