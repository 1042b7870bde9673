import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import { chatRequest, startHarness, type Harness } from "./testing/harness.ts";
import type { RelayJsonResult, RelayResult } from "./types.ts";

function json(result: RelayResult): RelayJsonResult {
  assert.equal(result.kind, "json");
  return result as RelayJsonResult;
}

async function withHarness(options: Parameters<typeof startHarness>[0], body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness(options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

function hasCode(code: string, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isFrugalError(error), `expected a FrugalError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe("relay: fallback, retries and pass-through", { timeout: 30_000 }, () => {
  it("answers from the first target, with the target's model and the upstream's body untouched", () =>
    withHarness({}, async (h) => {
      const result = json(await h.relay.chat(chatRequest()));
      assert.equal(result.status, 200);
      assert.deepEqual(result.target, { upstream: "a", model: "model-a", region: undefined, onPrem: false });
      assert.equal(result.attempts, 1);
      assert.deepEqual(result.body, JSON.parse(result.rawBody));
      assert.equal((result.body as { model: string }).model, "model-a");
      assert.ok(result.usage !== undefined && result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.equal(h.upstreams[0]?.requests.at(-1)?.body?.model, "model-a");
      assert.equal(h.upstreams[1]?.requests.length, 0);
    }));

  for (const [label, mode] of [
    ["a 500", { mode: "error", status: 500 }],
    ["a reset connection", { mode: "reset" }],
    ["a first-byte timeout", { mode: "hang" }],
    ["a 200 that is not JSON", { mode: "garbage-json" }],
    ["a 200 whose JSON is no answer (an error object)", { mode: "wrong-shape" }],
    ["a 401 (the gateway's key, not the client's)", { mode: "error", status: 401 }],
  ] as const) {
    it(`falls back to the second upstream on ${label}`, () =>
      withHarness({ upstreams: [{ modes: [mode] }, {}], route: { timeouts_ms: { connect: 1_000, first_byte: 300, total: 5_000 } } }, async (h) => {
        const result = json(await h.relay.chat(chatRequest()));
        assert.equal(result.status, 200);
        assert.equal(result.target.upstream, "b");
        assert.equal(result.attempts, 2);
        assert.equal(h.upstreams[0]?.requests.length, 1);
        assert.deepEqual(
          h.events.filter((e) => e.type === "fallback").map((e) => e.type === "fallback" && e.upstream),
          ["a"],
        );
      }));
  }

  it("returns an upstream 400 as-is, without retry or fallback", () =>
    withHarness({ upstreams: [{ modes: [{ mode: "bad-request", message: "temperature too high" }] }, {}], route: { retries: 2 } }, async (h) => {
      const result = json(await h.relay.chat(chatRequest({ temperature: 9 })));
      assert.equal(result.status, 400);
      assert.deepEqual(result.body, JSON.parse(result.rawBody));
      assert.equal((result.body as { error: { message: string } }).error.message, "temperature too high");
      assert.equal(h.upstreams[0]?.requests.length, 1);
      assert.equal(h.upstreams[1]?.requests.length, 0);
      assert.deepEqual(h.relay.breakerStates().find((b) => b.upstream === "a")?.failures, 0);
    }));

  it("retries a 429 after exactly its Retry-After, on the same target", () =>
    withHarness({ upstreams: [{ modes: [{ mode: "rate-limit", retryAfter: "0.3" }] }, {}], route: { retries: 1, backoff_ms: { base: 50, max: 2_000 } } }, async (h) => {
      const result = json(await h.relay.chat(chatRequest()));
      assert.equal(result.target.upstream, "a");
      assert.equal(result.attempts, 2);
      const retries = h.events.filter((e) => e.type === "retry");
      assert.deepEqual(retries.map((e) => e.type === "retry" && e.delayMs), [300]);
      assert.equal(h.upstreams[1]?.requests.length, 0);
    }));

  it("does not wait for a Retry-After above the backoff cap: it falls back at once", () =>
    withHarness({ upstreams: [{ modes: [{ mode: "rate-limit", retryAfter: "30" }] }, {}], route: { retries: 3 } }, async (h) => {
      const result = json(await h.relay.chat(chatRequest()));
      assert.equal(result.target.upstream, "b");
      assert.equal(h.upstreams[0]?.requests.length, 1);
      assert.equal(h.events.filter((e) => e.type === "retry").length, 0);
    }));

  it("retries 5xx per target before falling back", () =>
    withHarness({ upstreams: [{ fallback: { mode: "error", status: 503 } }, {}], route: { retries: 2 } }, async (h) => {
      const result = json(await h.relay.chat(chatRequest()));
      assert.equal(result.target.upstream, "b");
      assert.equal(result.attempts, 4);
      assert.equal(h.upstreams[0]?.requests.length, 3);
    }));

  it("when every target fails: one error naming the route and the last failure, rate limits keep their Retry-After", () =>
    withHarness({ upstreams: [{ fallback: { mode: "error", status: 500 } }, { fallback: { mode: "rate-limit", retryAfter: "30" } }] }, async (h) => {
      await assert.rejects(h.relay.chat(chatRequest()), (error: unknown) => {
        hasCode("rate_limited", /route "r".*b \(model-b\)/)(error);
        assert.ok(isFrugalError(error));
        assert.equal(error.retryAfterMs, 30_000);
        assert.equal(error.details.attempts, 2);
        return true;
      });
    }));

  it("never shows an upstream API key, even one echoed in an error body", () =>
    withHarness({ upstreams: [{ fallback: { mode: "error", status: 502, message: "bad key sk-secret-123" } }] }, async (h) => {
      const relay = (await import("./relay.ts")).createRelay({
        upstreams: { a: { base_url: h.upstreams[0]?.url ?? "", api_key_env: "KEY" } },
        routes: [{ name: "r", targets: [{ upstream: "a", model: "m" }], retries: 0 }],
        env: { KEY: "sk-secret-123" },
      });
      try {
        await assert.rejects(relay.chat(chatRequest()), (error: unknown) => {
          assert.ok(isFrugalError(error));
          assert.doesNotMatch(`${error.message} ${JSON.stringify(error.details)}`, /sk-secret-123/);
          return true;
        });
        assert.equal(h.upstreams[0]?.requests.at(-1)?.headers.authorization, "Bearer sk-secret-123");
      } finally {
        await relay.close();
      }
    }));

  it("forwards every body field untouched except model", () =>
    withHarness({}, async (h) => {
      const fields = {
        tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
        tool_choice: "auto",
        response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { a: { type: "string" } } }, strict: true } },
        stop: ["\n\n", "END"],
        seed: 7,
        logprobs: true,
        top_logprobs: 2,
        temperature: 0.2,
        user: "u-1",
        metadata: { nested: { unicode: "é✓" } },
      };
      const request = chatRequest(fields);
      const before = JSON.stringify(request.body);
      await h.relay.chat(request);
      assert.equal(JSON.stringify(request.body), before, "the caller's body object is not mutated");
      const sent = h.upstreams[0]?.requests.at(-1)?.body;
      assert.deepEqual(sent, { ...request.body, model: "model-a" });
    }));

  it("sends embeddings to /embeddings and reads their usage", () =>
    withHarness({ upstreams: [{ modes: [{ mode: "error", status: 500 }] }, {}] }, async (h) => {
      const result = await h.relay.embeddings({ route: "r", body: { model: "r", input: ["hello", "world"] }, signal: new AbortController().signal });
      assert.equal(result.status, 200);
      assert.equal(result.target.upstream, "b");
      assert.equal(h.upstreams[1]?.requests.at(-1)?.path, "/v1/embeddings");
      assert.equal((result.body as { data: unknown[] }).data.length, 2);
      assert.deepEqual(result.usage, { inputTokens: 4, outputTokens: 0 });
    }));

  it("tries only the targets the request allows, and refuses when none is", () =>
    withHarness({}, async (h) => {
      const onlyB = await h.relay.chat({ ...chatRequest(), allow: (t) => t.upstream === "b" });
      assert.equal(json(onlyB).target.upstream, "b");
      assert.equal(h.upstreams[0]?.requests.length, 0);
      await assert.rejects(h.relay.chat({ ...chatRequest(), allow: () => false }), hasCode("forbidden"));
    }));

  it("an unknown route is not_found; route() exposes the targets' placement", () =>
    withHarness({}, async (h) => {
      assert.equal(h.relay.has("r"), true);
      assert.equal(h.relay.has("gpt-9"), false);
      assert.deepEqual(h.relay.routeNames(), ["r"]);
      assert.deepEqual(h.relay.route("r")?.targets.map((t) => t.upstream), ["a", "b"]);
      await assert.rejects(h.relay.chat({ ...chatRequest(), route: "gpt-9" }), hasCode("not_found"));
    }));

  it("a call cut by close() (a drain past its deadline) is upstream_unavailable, saying the gateway is shutting down", () =>
    withHarness({ upstreams: [{ modes: [{ mode: "hang" }] }, { modes: [{ mode: "hang" }] }], route: { timeouts_ms: { connect: 1_000, first_byte: 10_000, total: 20_000 } } }, async (h) => {
      const pending = h.relay.chat(chatRequest());
      await h.upstreams[0]!.waitFor(() => h.upstreams[0]!.requests.length === 1);
      await h.relay.close();
      await assert.rejects(pending, (error: unknown) => isFrugalError(error) && error.code === "upstream_unavailable" && /shutting down/.test(error.message));
    }));

  it("a passthrough upstream takes any other model, unchanged", () =>
    withHarness({ relay: { passthrough: { upstream: "b" } } }, async (h) => {
      assert.equal(h.relay.has("some-model"), true);
      const result = json(await h.relay.chat({ ...chatRequest({ model: "some-model" }), route: "some-model" }));
      assert.deepEqual(result.target, { upstream: "b", model: "some-model", region: undefined, onPrem: false });
      assert.equal(h.upstreams[1]?.requests.at(-1)?.body?.model, "some-model");
    }));
});
