/**
 * The semantic cache through the gateway, on a route that opts in: a rephrased question is answered from the cache without
 * calling upstream; a negated one, another team, another system prompt or other parameters never are; a failed answer is
 * never stored. The model is a small one trained from the committed QQP sample (src/cache/semantic/test-model.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { postJson } from "./testing/behaviour.ts";
import { startTestGateway, TEST_LABELS, UNSURE_TEXT, type TestGateway } from "./testing/test-gateway.ts";
import { testSemanticCacheModel } from "../cache/semantic/test-model.ts";

describe("semantic cache (route opt-in)", () => {
  let gw: TestGateway;
  let red: string;
  let blue: string;
  before(async () => {
    gw = await startTestGateway({
      config: {
        cache: { semantic: { model: testSemanticCacheModel(), max_entries: 100 } },
        route_policies: { "gpt-4o": { semantic_cache: true } },
        tasks: [{ name: "intents", kind: "classify", labels: TEST_LABELS, tiers: ["cache", "compact", "llm"], semantic_cache: true }],
      },
    });
    red = await gw.createKey({ team: "red" });
    blue = await gw.createKey({ team: "blue" });
  });
  after(() => gw.close());
  const calls = () => gw.a.requests.length + gw.b.requests.length;
  const ask = async (user: string, options: { key?: string; system?: string; temperature?: number; model?: string } = {}): Promise<{ cache: string | null; text: string; called: boolean }> => {
    const messages = [...(options.system === undefined ? [] : [{ role: "system", content: options.system }]), { role: "user", content: user }];
    const before = calls();
    const res = await postJson(gw.baseURL, "/chat/completions", { model: options.model ?? "gpt-4o", temperature: options.temperature ?? 0, messages }, { key: options.key ?? red });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return { cache: res.headers.get("x-frugal-cache"), text, called: calls() > before };
  };

  it("a paraphrase hits (no upstream call, the first answer); a negated question misses", async () => {
    const first = await ask("How do I enable 2FA on my account?", { system: "Be brief." });
    assert.equal(first.called, true);
    const again = await ask("how do I enable 2FA on my account", { system: "Be brief." });
    assert.equal(again.cache, "semantic");
    assert.equal(again.called, false);
    assert.equal(JSON.parse(again.text).choices[0].message.content, JSON.parse(first.text).choices[0].message.content);
    const negated = await ask("How do I disable 2FA on my account?", { system: "Be brief." });
    assert.equal(negated.cache, null);
    assert.equal(negated.called, true);
  });

  it("another team, another system prompt, other parameters or a route that did not opt in never hit", async () => {
    await ask("What is the capital of France?", { system: "Answer in French." });
    assert.equal((await ask("what is the capital of France", { system: "Answer in French." })).cache, "semantic");
    assert.equal((await ask("what is the capital of France", { system: "Answer in French.", key: blue })).called, true);
    assert.equal((await ask("what is the capital of France", { system: "Answer in English." })).called, true);
    assert.equal((await ask("what is the capital of France", { system: "Answer in French.", temperature: 0.7 })).called, true);
    assert.equal((await ask("what is the capital of France", { system: "Answer in French.", model: "local-route" })).called, true);
  });

  it("a failed answer is not stored", async () => {
    // Both targets of the route fail once (no retries in the test config): the client gets an error.
    gw.a.enqueue({ type: "error", status: 500 });
    gw.b.enqueue({ type: "error", status: 500 });
    const failed = await postJson(gw.baseURL, "/chat/completions", { model: "gpt-4o", temperature: 0, messages: [{ role: "user", content: "Why is the sea salty?" }] }, { key: red });
    await failed.text();
    assert.notEqual(failed.status, 200);
    const retry = await ask("why is the sea salty");
    assert.equal(retry.cache, null, "nothing was stored from the failure");
  });

  it("tasks opt in too: a rephrased input is answered from the cache, per team", async () => {
    const tier = async (text: string, key = red): Promise<string> => {
      const res = await postJson(gw.baseURL, "/chat/completions", { model: "intents", messages: [{ role: "user", content: text }] }, { key });
      const json = (await res.json()) as { frugal: { tier: string } };
      return json.frugal.tier;
    };
    assert.equal(await tier(`${UNSURE_TEXT} today`), "llm");
    assert.equal(await tier(`${UNSURE_TEXT.toUpperCase()} TODAY`), "cache");
    assert.equal(await tier(`${UNSURE_TEXT} today`, blue), "llm", "another team's answer is its own");
  });
});
