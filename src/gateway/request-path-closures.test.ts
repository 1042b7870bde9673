/**
 * The request path names no closure per request. tsx's esbuild `keepNames` turns each `const f = () => …` into an
 * `Object.defineProperty` call that costs ~0.8 µs on Node 20 every time the closure is created; a routed request made
 * twelve of them and a compact task answer nineteen (bench/gateway.ts --cpu-prof: `__name` and `set natives` were 3–6%
 * of the event loop at max). See src/core/testing/named-closures.ts for what is and is not wrapped.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { installNamedClosureCounter, namedClosuresDuring } from "../core/testing/named-closures.ts";

installNamedClosureCounter();
// Imported after the counter is installed: esbuild's helper reads Object.defineProperty when a module is evaluated.
const { postJson, readSse, userMessage } = await import("./testing/behaviour.ts");
const { startTestGateway, SURE_TEXT } = await import("./testing/test-gateway.ts");
const { createFeaturizer } = await import("../compact/featurizer.ts");

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

/** What project modules outside test helpers named, as "module name ×count" lines. */
function fromRequestPath(seen: Map<string, number>): string[] {
  return [...seen].filter(([where]) => !where.includes("/testing/") && !where.includes(".test.ts")).map(([where, n]) => `${where} ×${n}`);
}

describe("no closure named per request", () => {
  let gw: TestGateway;
  let key: string;
  before(async () => {
    gw = await startTestGateway();
    key = await gw.createKey({ team: "acme", budgetUsd: 100, period: "month", rpm: 100_000 });
  });
  after(() => gw.close());

  const requests: Record<string, () => Promise<void>> = {
    "a routed chat completion": async () => {
      const res = await postJson(gw.baseURL, "/chat/completions", { model: "gpt-4o", messages: userMessage("hello"), max_tokens: 8 }, { key });
      assert.equal(res.status, 200);
      await res.text();
    },
    "a task answered by the compact tier (chat)": async () => {
      const res = await postJson(gw.baseURL, "/chat/completions", { model: "intents", messages: userMessage(SURE_TEXT) }, { key });
      assert.equal(res.status, 200);
      await res.text();
    },
    "a task answered by the compact tier (native)": async () => {
      const res = await postJson(gw.baseURL, "/tasks/intents", { input: SURE_TEXT }, { key });
      assert.equal(res.status, 200);
      await res.text();
    },
  };

  for (const [what, send] of Object.entries(requests)) {
    it(what, async () => {
      // Warm: first calls build what is cached (prices, label sets, prepared statements), which may name functions once.
      for (let i = 0; i < 5; i++) await send();
      const seen = await namedClosuresDuring(async () => {
        for (let i = 0; i < 20; i++) await send();
      });
      assert.deepEqual(fromRequestPath(seen), []);
    });
  }

  it("the counter sees a closure named per call (the check can fail)", async () => {
    const { makeNamedClosure } = await import("./testing/named-closure-fixture.ts");
    const seen = await namedClosuresDuring(async () => {
      for (let i = 0; i < 3; i++) makeNamedClosure(i);
    });
    assert.deepEqual([...seen], [["src/gateway/testing/named-closure-fixture.ts inner", 3]]);
  });

  it("a streamed routed completion names none per request either", async () => {
    const stream = async () => {
      const res = await postJson(gw.baseURL, "/chat/completions", { model: "gpt-4o", messages: userMessage("hello"), stream: true }, { key });
      assert.equal(res.status, 200);
      assert.equal((await readSse(res)).done, true);
    };
    for (let i = 0; i < 3; i++) await stream();
    const seen = await namedClosuresDuring(async () => {
      for (let i = 0; i < 10; i++) await stream();
    });
    assert.deepEqual(fromRequestPath(seen), []);
  });
});

describe("the compact featurizer", () => {
  it("hashes a text without naming a closure", async () => {
    const featurizer = createFeaturizer();
    featurizer.hash("warm up the scratch buffers");
    const seen = await namedClosuresDuring(async () => {
      for (const text of ["where is my new card", "Ma carte a été bloquée à l'étranger !", "how do I top up by bank transfer?"]) featurizer.hash(text);
    });
    assert.deepEqual([...seen], []);
  });
});
