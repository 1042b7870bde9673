import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import { SSE_DONE } from "../providers/sse.ts";
import { chunkText } from "./testing/fake-upstream.ts";
import { chatRequest, startHarness, type HarnessOptions } from "./testing/harness.ts";
import type { RelayResult, RelaySseEvent, RelayStreamResult } from "./types.ts";

function asStream(result: RelayResult): RelayStreamResult {
  assert.equal(result.kind, "stream");
  return result as RelayStreamResult;
}

/** Every event until the end, and the error the iteration ended with, if any. */
async function drain(result: RelayStreamResult): Promise<{ events: RelaySseEvent[]; error: unknown }> {
  const events: RelaySseEvent[] = [];
  try {
    for await (const event of result.events) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

function contentOf(events: RelaySseEvent[]): string {
  return events
    .filter((e) => e.data !== SSE_DONE)
    .map((e) => (JSON.parse(e.data) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? "")
    .join("");
}

const fast: HarnessOptions["route"] = { timeouts_ms: { connect: 1_000, first_byte: 400, total: 8_000 } };

describe("relay: streams", { timeout: 30_000 }, () => {
  it("passes every chunk through in order, asks upstream for usage and marks the usage chunk", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "ok", chunks: 6, chunkDelayMs: 5 }] }] });
    try {
      const result = asStream(await h.relay.chat(chatRequest({ stream: true, stream_options: { include_usage: false } })));
      assert.equal(result.clientWantsUsage, false);
      assert.equal(result.latencyMs(), undefined);
      const { events, error } = await drain(result);
      assert.equal(error, undefined);
      assert.equal(contentOf(events), chunkText(6));
      // role chunk, 6 deltas, finish chunk, usage chunk, [DONE]
      assert.equal(events.length, 10);
      assert.equal(events.at(-1)?.data, SSE_DONE);
      assert.deepEqual(events.map((e) => e.usageOnly === true), [...Array<boolean>(8).fill(false), true, false]);
      const sent = h.upstreams[0]?.requests.at(-1)?.body;
      assert.deepEqual(sent?.stream_options, { include_usage: true });
      assert.equal(sent?.model, "model-a");
      const usageChunk = JSON.parse(events[8]?.data ?? "{}") as { usage: { prompt_tokens: number; completion_tokens: number } };
      assert.deepEqual(result.usage(), { inputTokens: usageChunk.usage.prompt_tokens, outputTokens: 6 });
      assert.equal(typeof result.latencyMs(), "number");
      assert.ok(result.firstEventMs >= 0);
    } finally {
      await h.close();
    }
  });

  it("tells the gateway when the client asked for usage itself", async () => {
    const h = await startHarness({ upstreams: [{}] });
    try {
      const result = asStream(await h.relay.chat(chatRequest({ stream: true, stream_options: { include_usage: true } })));
      assert.equal(result.clientWantsUsage, true);
      await drain(result);
    } finally {
      await h.close();
    }
  });

  for (const [label, mode] of [
    ["a reset before the first event", { mode: "truncated-sse", afterChunks: 0 }],
    ["no headers in time", { mode: "hang" }],
    ["headers but no first event in time", { mode: "stall-after-headers", delayMs: 5_000 }],
    ["a 503", { mode: "error", status: 503 }],
    ["a first event that is not JSON", { mode: "garbage-json", afterChunks: 0 }],
  ] as const) {
    it(`falls back on ${label}, since the client has no byte yet`, async () => {
      const h = await startHarness({ upstreams: [{ modes: [mode] }, {}], route: fast });
      try {
        const result = asStream(await h.relay.chat(chatRequest({ stream: true })));
        assert.equal(result.target.upstream, "b");
        const { error } = await drain(result);
        assert.equal(error, undefined);
      } finally {
        await h.close();
      }
    });
  }

  it("a stream whose socket dies mid-way ends with a FrugalError naming the route, and no fallback", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "truncated-sse", afterChunks: 3 }] }, {}] });
    try {
      const result = asStream(await h.relay.chat(chatRequest({ stream: true })));
      const { events, error } = await drain(result);
      assert.equal(events.length, 3);
      assert.ok(isFrugalError(error), String(error));
      assert.equal(error.code, "upstream_unavailable");
      assert.match(error.message, /route "r": the stream from a \(model-a\) broke after 3 events/);
      assert.equal(error.details.midStream, true);
      assert.equal(h.upstreams[1]?.requests.length, 0);
      assert.equal(h.events.filter((e) => e.type === "upstream_error").length, 1);
    } finally {
      await h.close();
    }
  });

  it("a stream that ends cleanly but before its finish is truncated, not complete", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "unterminated-sse", afterChunks: 3 }] }] });
    try {
      const { events, error } = await drain(asStream(await h.relay.chat(chatRequest({ stream: true }))));
      assert.equal(events.length, 3);
      assert.ok(isFrugalError(error));
      assert.equal(error.code, "provider_error");
      assert.match(error.message, /truncated/);
    } finally {
      await h.close();
    }
  });

  it("a mid-stream event that is not JSON ends the stream with provider_error instead of reaching the client", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "garbage-json", afterChunks: 3 }] }] });
    try {
      const { events, error } = await drain(asStream(await h.relay.chat(chatRequest({ stream: true }))));
      assert.equal(events.length, 3);
      assert.ok(isFrugalError(error));
      assert.equal(error.code, "provider_error");
      assert.match(error.message, /not a JSON object/);
    } finally {
      await h.close();
    }
  });

  it("a stream cut by the relay's close() says the gateway is shutting down", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "ok", chunks: 5, chunkDelayMs: 10_000 }] }] });
    try {
      const result = asStream(await h.relay.chat(chatRequest({ stream: true })));
      const drained = drain(result);
      await h.relay.close();
      const { error } = await drained;
      assert.ok(isFrugalError(error));
      assert.deepEqual([error.code, error.retryAfterMs], ["upstream_unavailable", 1_000]);
      assert.match(error.message, /shutting down/);
    } finally {
      await h.close();
    }
  });

  it("a stream that outlives the total timeout ends with provider_timeout", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "ok", chunks: 100, chunkDelayMs: 50 }] }], route: { timeouts_ms: { connect: 1_000, first_byte: 1_000, total: 400 } } });
    try {
      const { error } = await drain(asStream(await h.relay.chat(chatRequest({ stream: true }))));
      assert.ok(isFrugalError(error));
      assert.equal(error.code, "provider_timeout");
      await h.upstreams[0]?.waitFor(() => h.upstreams[0]?.closedEarly === 1);
    } finally {
      await h.close();
    }
  });

  it("an upstream 400 on a stream request comes back as a JSON result", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "bad-request" }] }, {}] });
    try {
      const result = await h.relay.chat(chatRequest({ stream: true }));
      assert.equal(result.kind, "json");
      assert.equal(result.kind === "json" && result.status, 400);
      assert.equal(h.upstreams[1]?.requests.length, 0);
    } finally {
      await h.close();
    }
  });
});
