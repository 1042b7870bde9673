import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../../../test/fixtures/fake-openai-server.ts";
import { isFrugalError } from "../../core/errors.ts";
import type { Provider, StreamPart } from "../types.ts";
import { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from "./index.ts";

const hello = { messages: [{ role: "user" as const, content: "hello" }] };

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

function hasCode(code: string, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isFrugalError(error), `expected a FrugalError, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe("openai-compatible provider: upstream failures", () => {
  let server: FakeOpenAiServer;
  const providers: Provider[] = [];
  const make = (options: Partial<OpenAiCompatibleOptions> = {}): Provider => {
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: "fake-model", retryBaseMs: 1, retryMaxMs: 2_000, ...options });
    providers.push(provider);
    return provider;
  };

  before(async () => {
    server = await startFakeOpenAiServer();
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await server.close();
  });

  it("malformed JSON in a 200 body is a provider_error, not retried", async () => {
    server.enqueue({ type: "malformed" });
    const before = server.requests.length;
    await assert.rejects(make().chat(hello), hasCode("provider_error", /malformed JSON/));
    assert.equal(server.requests.length - before, 1);
  });

  it("a 200 body cut in half is a provider_error", async () => {
    server.enqueue({ type: "truncated" });
    await assert.rejects(make().chat(hello), hasCode("provider_error", /malformed JSON/));
  });

  it("a malformed SSE event is a provider_error, after the deltas already received", async () => {
    server.enqueue({ type: "malformed", afterChunks: 3 });
    const seen: StreamPart[] = [];
    const run = async (): Promise<void> => {
      for await (const part of make().stream(hello)) seen.push(part);
    };
    await assert.rejects(run(), hasCode("provider_error", /malformed SSE event/));
    assert.ok(seen.length >= 1 && seen.every((p) => p.type === "text-delta"));
  });

  it("a stream that ends without finish_reason or [DONE] is a provider_error (truncated)", async () => {
    server.enqueue({ type: "truncated", afterChunks: 3 });
    await assert.rejects(collect(make().stream(hello)), hasCode("provider_error", /truncated/));
  });

  it("429 with Retry-After: waits the announced delay, then succeeds", async () => {
    server.enqueue({ type: "rate-limit", retryAfter: "1" });
    const first = server.requests.length;
    const result = await make().chat(hello);
    assert.equal(result.attempts, 2);
    const [a, b] = server.requests.slice(first);
    assert.ok(a !== undefined && b !== undefined);
    // A lower bound on a delay we impose, not a performance figure: 1 s announced, Date granularity allowed for.
    assert.ok(b.receivedAt - a.receivedAt >= 990, `retried after ${b.receivedAt - a.receivedAt} ms`);
  });

  it("429 with an HTTP-date Retry-After beyond retryMaxMs fails at once with rate_limited and retryAfterMs", async () => {
    server.enqueue({ type: "rate-limit", retryAfter: new Date(Date.now() + 120_000).toUTCString() });
    const first = server.requests.length;
    await assert.rejects(make().chat(hello), (error: unknown) => {
      assert.ok(isFrugalError(error) && error.code === "rate_limited");
      assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 100_000, `retryAfterMs ${error.retryAfterMs}`);
      return true;
    });
    assert.equal(server.requests.length - first, 1);
  });

  it("500 is retried, then fails with upstream_unavailable after maxRetries", async () => {
    server.enqueue({ type: "error", status: 500 }, { type: "error", status: 500 }, { type: "error", status: 503, message: "overloaded" });
    const first = server.requests.length;
    await assert.rejects(make({ maxRetries: 2 }).chat(hello), (error: unknown) => {
      assert.ok(isFrugalError(error) && error.code === "upstream_unavailable");
      assert.match(error.message, /503: overloaded/);
      assert.equal(error.details.attempts, 3);
      return true;
    });
    assert.equal(server.requests.length - first, 3);
  });

  it("500 then success: the answer reports two attempts", async () => {
    server.enqueue({ type: "error", status: 500 });
    const result = await make().chat(hello);
    assert.equal(result.attempts, 2);
  });

  it("other 4xx is a provider_error with the upstream message, not retried, never with the key", async () => {
    server.enqueue({ type: "error", status: 400, message: "bad things with sk-live-123" });
    const first = server.requests.length;
    await assert.rejects(make({ apiKey: "sk-live-123" }).chat(hello), (error: unknown) => {
      assert.ok(isFrugalError(error) && error.code === "provider_error" && !error.retryable);
      assert.match(error.message, /400: bad things with \[redacted\]/);
      assert.ok(!JSON.stringify(error.toJSON()).includes("sk-live-123"));
      return true;
    });
    assert.equal(server.requests.length - first, 1);
  });

  it("a slow first byte hits firstByteTimeoutMs, and the retry gets the answer", async () => {
    // Generous margins: the retry must get its headers within the limit even on a loaded CI machine.
    server.enqueue({ type: "slow-first-byte", delayMs: 5_000 });
    const result = await make({ firstByteTimeoutMs: 1_000 }).chat(hello);
    assert.ok(result.attempts >= 2, `attempts ${result.attempts}`);
    assert.ok(result.text.length > 0);
  });

  it("a first byte slower than every attempt fails with provider_timeout", async () => {
    server.enqueue({ type: "slow-first-byte", delayMs: 1_500 }, { type: "slow-first-byte", delayMs: 1_500 });
    await assert.rejects(make({ firstByteTimeoutMs: 100, maxRetries: 1 }).chat(hello), hasCode("provider_timeout"));
  });

  it("the total timeout bounds the whole call, retries included", async () => {
    server.enqueue({ type: "hang" });
    await assert.rejects(make({ timeoutMs: 200 }).chat(hello), hasCode("provider_timeout", /within 200 ms/));
    server.enqueue({ type: "hang" });
    await assert.rejects(make().chat({ ...hello, timeoutMs: 150 }), hasCode("provider_timeout", /within 150 ms/));
  });

  it("a connection reset before the answer is retried; without retries it is upstream_unavailable", async () => {
    server.enqueue({ type: "reset" });
    assert.equal((await make().chat(hello)).attempts, 2);
    server.enqueue({ type: "reset" });
    await assert.rejects(make({ maxRetries: 0 }).chat(hello), hasCode("upstream_unavailable"));
  });

  it("a connection reset mid-stream is upstream_unavailable and is not retried", async () => {
    server.enqueue({ type: "reset", afterChunks: 3 });
    const first = server.requests.length;
    await assert.rejects(collect(make().stream(hello)), hasCode("upstream_unavailable"));
    assert.equal(server.requests.length - first, 1);
  });

  it("a refused connection is upstream_unavailable", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const provider = createOpenAiCompatibleProvider({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m", maxRetries: 1, retryBaseMs: 1 });
    providers.push(provider);
    await assert.rejects(provider.chat(hello), hasCode("upstream_unavailable"));
  });

  it("aborting a call in flight rejects with cancelled, also during a retry wait", async () => {
    server.enqueue({ type: "hang" });
    const controller = new AbortController();
    const pending = make().chat({ ...hello, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, hasCode("cancelled"));

    server.enqueue({ type: "rate-limit", retryAfter: "1" });
    const waiting = new AbortController();
    const retrying = make().chat({ ...hello, signal: waiting.signal });
    setTimeout(() => waiting.abort(), 100);
    await assert.rejects(retrying, hasCode("cancelled"));
  });
});
