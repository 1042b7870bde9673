/**
 * Upstream faults through the real gateway, seen by the official `openai` SDK (no SDK retries): one fault-injecting
 * upstream (src/relay/testing/fake-upstream.ts) stands behind every route, each target's model naming the fault it
 * meets. A route with a fallback upstream answers from the fallback whenever the client has no byte yet; a route
 * without one ends in a clean OpenAI error with the status of its cause (502 bad answer, 503 unavailable, 504 timeout,
 * 429 with Retry-After); a stream that breaks after its first event cannot fall back (the client holds part of an
 * answer) and ends with an OpenAI error event, never a silent or hanging close. Every request settles within its
 * route's total timeout plus a margin, and no client connection is left open. The breaker opens after its failures,
 * lets one probe through after its cool-down, and closes when the probe succeeds.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { Agent, fetch as undiciFetch } from "undici";
import { validateConfig } from "../../src/core/config-file.ts";
import { gatewayConfigSchema, type GatewayConfigInput } from "../../src/gateway/config.ts";
import { openSqliteGovernance } from "../../src/ledger/index.ts";
import type { GatewayLog } from "../../src/gateway/context.ts";
import { startGateway, type RunningGateway } from "../../src/gateway/server.ts";
import { testCompactLoader } from "../../src/gateway/testing/test-gateway.ts";
import { startFakeUpstream, type FakeUpstream, type UpstreamMode } from "../../src/relay/testing/fake-upstream.ts";

const TOTAL_MS = 5_000;
/** What a request may take beyond its route's total timeout: scheduling on a busy 2-core machine, not a hang. */
const MARGIN_MS = 5_000;
// Generous against a starved event loop (the gateway and the fakes share this process): an instant 500 must not time out.
const TIMEOUTS = { connect: 1_000, first_byte: 1_500, total: TOTAL_MS };
/** Requests in flight at once: enough to overlap faults, few enough that queueing on 2 busy cores stays small. */
const CONCURRENCY = 6;

/** How a request meets a fault when no fallback can answer: answered anyway, or a clean error (status, code). */
type Expect = "answered" | { status: number; code: string };

interface Fault {
  name: string;
  mode: UpstreamMode;
  json: Expect;
  /** Streams, when they differ from JSON; `breaks`: the fault strikes after the first event, so no fallback is possible. */
  stream?: { status: 200; code: string; breaks: true } | Expect;
}

const UNAVAILABLE = { status: 503, code: "upstream_unavailable" };
const BAD_ANSWER = { status: 502, code: "provider_error" };
const TIMEOUT = { status: 504, code: "provider_timeout" };
const broken = (code: string) => ({ status: 200 as const, code, breaks: true as const });

const FAULTS: Fault[] = [
  { name: "hang", mode: { mode: "hang" }, json: TIMEOUT },
  { name: "http-500", mode: { mode: "error", status: 500 }, json: UNAVAILABLE },
  { name: "http-502", mode: { mode: "error", status: 502 }, json: UNAVAILABLE },
  { name: "http-503", mode: { mode: "error", status: 503 }, json: UNAVAILABLE },
  { name: "reset", mode: { mode: "reset" }, json: UNAVAILABLE },
  { name: "reset-mid-body", mode: { mode: "reset", midBody: true }, json: UNAVAILABLE, stream: broken("upstream_unavailable") },
  { name: "slow-first-byte", mode: { mode: "slow-first-byte", delayMs: 150 }, json: "answered" },
  { name: "first-byte-too-late", mode: { mode: "slow-first-byte", delayMs: 20_000 }, json: TIMEOUT },
  { name: "garbage", mode: { mode: "garbage-json", afterChunks: 0 }, json: BAD_ANSWER },
  { name: "wrong-shape", mode: { mode: "wrong-shape" }, json: BAD_ANSWER },
  { name: "rate-limited", mode: { mode: "rate-limit", retryAfter: "0.05" }, json: { status: 429, code: "rate_limited" } },
  // Stream faults; a JSON request meets the same fault as a whole body (half a JSON, a reset mid-body, garbage).
  { name: "sse-truncated", mode: { mode: "unterminated-sse", afterChunks: 2 }, json: BAD_ANSWER, stream: broken("provider_error") },
  { name: "sse-reset", mode: { mode: "truncated-sse", afterChunks: 2 }, json: UNAVAILABLE, stream: broken("upstream_unavailable") },
  { name: "sse-garbage", mode: { mode: "garbage-json", afterChunks: 2 }, json: BAD_ANSWER, stream: broken("provider_error") },
  { name: "sse-stall", mode: { mode: "ok", chunks: 4, chunkDelayMs: 60_000 }, json: "answered", stream: broken("provider_timeout") },
];

interface Outcome {
  /** Who answered (x-frugal-upstream), when something did. */
  upstream?: string;
  status?: number;
  code?: string;
  retryAfter?: string | null;
  content: string;
  ms: number;
}

const FAR = { failures: 1_000, window_s: 1, cooldown_s: 1 };

function config(faulty: FakeUpstream, good: FakeUpstream): GatewayConfigInput {
  // No retries but on 429 (whose Retry-After is honoured once on the same target): a fault then costs one first-byte
  // limit before the fallback, far from the total timeout even on a starved machine.
  const route = (name: string, targets: Array<{ upstream: string; model: string }>, breaker = FAR) => ({
    name,
    targets,
    retries: name.endsWith("rate-limited") ? 1 : 0,
    backoff_ms: { base: 10, max: 200 },
    timeouts_ms: TIMEOUTS,
    breaker,
  });
  return {
    server: { port: 0, drain_ms: 2_000, sse_keepalive_ms: 200 },
    upstreams: { faulty: { base_url: faulty.url }, good: { base_url: good.url } },
    routes: [
      ...FAULTS.map((f) => route(`fb-${f.name}`, [{ upstream: "faulty", model: f.name }, { upstream: "good", model: "steady" }])),
      ...FAULTS.map((f) => route(`solo-${f.name}`, [{ upstream: "faulty", model: f.name }])),
      // Its own target (breakers are per upstream and model): 3 failures open it, 1 s later one probe goes through.
      route("breaker", [{ upstream: "faulty", model: "flaky" }, { upstream: "good", model: "steady" }], { failures: 3, window_s: 30, cooldown_s: 1 }),
    ],
  };
}

describe("upstream faults through the gateway, with the openai SDK", { timeout: 120_000 }, () => {
  let faulty: FakeUpstream;
  let good: FakeUpstream;
  let gateway: RunningGateway;
  let dataDir: string;
  let agent: Agent;
  let client: OpenAI;
  const breakerLog: string[] = [];

  before(async () => {
    faulty = await startFakeUpstream({ byModel: { ...Object.fromEntries(FAULTS.map((f) => [f.name, f.mode])), flaky: { mode: "error", status: 500 } } });
    good = await startFakeUpstream({ fallback: { mode: "ok", chunks: 4 } });
    dataDir = mkdtempSync(join(tmpdir(), "frugal-faults-"));
    const log: GatewayLog = {
      info: () => undefined,
      error: () => undefined,
      warn: (message, fields) => {
        if (message === "circuit breaker" && fields?.model === "flaky") breakerLog.push(String(fields.state));
      },
    };
    const stores = openSqliteGovernance({ dataDir });
    const { key } = await stores.keys.create({ team: "ops" }).finally(() => stores.close());
    const cfg = validateConfig(gatewayConfigSchema, config(faulty, good), "upstream-faults config");
    gateway = await startGateway({ config: cfg, baseDir: dataDir, dataDir, compactLoader: testCompactLoader, env: {}, log });
    // The client's own pool, so the test can close it and then see the gateway hold no connection at all.
    agent = new Agent({ connections: 64 });
    client = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: key,
      maxRetries: 0,
      timeout: 60_000,
      fetch: ((url: string, init: Record<string, unknown>) => undiciFetch(url, { ...init, dispatcher: agent })) as unknown as typeof fetch,
    });
  });

  after(async () => {
    await agent?.close();
    await gateway?.close();
    await faulty?.close();
    await good?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  async function ask(model: string, stream: boolean): Promise<Outcome> {
    const started = performance.now();
    const messages = [{ role: "user" as const, content: `fault ${model}` }];
    let content = "";
    let upstream: string | undefined;
    try {
      if (stream) {
        const { data, response } = await client.chat.completions.create({ model, messages, stream: true }).withResponse();
        upstream = response.headers.get("x-frugal-upstream") ?? undefined;
        for await (const chunk of data) content += chunk.choices[0]?.delta?.content ?? "";
        return { upstream, status: response.status, content, ms: performance.now() - started };
      }
      const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
      return { upstream: response.headers.get("x-frugal-upstream") ?? undefined, status: response.status, content: data.choices[0]?.message.content ?? "", ms: performance.now() - started };
    } catch (error) {
      if (!(error instanceof OpenAI.APIError)) throw error;
      // A stream's error event has no status of its own: the stream's 200 is what the client got.
      const status = error.status ?? 200;
      const retryAfter = error.headers?.get("retry-after") ?? null;
      return { ...(upstream === undefined ? {} : { upstream }), status, code: String(error.code), retryAfter, content, ms: performance.now() - started };
    }
  }

  it("every fault, JSON and stream, with and without a fallback: answered or a clean error, within the total timeout", async () => {
    const cases = FAULTS.flatMap((fault) => [false, true].flatMap((stream) => [true, false].map((fallback) => ({ fault, stream, fallback }))));
    const outcomes: Array<(typeof cases)[number] & { outcome: Outcome }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let c = cases[next++]; c !== undefined; c = cases[next++]) outcomes.push({ ...c, outcome: await ask(`${c.fallback ? "fb" : "solo"}-${c.fault.name}`, c.stream) });
      }),
    );
    const label = (c: { fault: Fault; stream: boolean; fallback: boolean }) => `${c.fault.name} ${c.stream ? "stream" : "json"} ${c.fallback ? "with fallback" : "alone"}`;
    const table = outcomes.map((c) => `#   ${label(c)}: ${c.outcome.upstream ?? "-"} ${c.outcome.status} ${c.outcome.code ?? "ok"} ${Math.round(c.outcome.ms)} ms`);
    process.stderr.write(`# fault outcomes (who answered, status, code, ms)\n${table.join("\n")}\n`);
    for (const c of outcomes) {
      const { fault, stream, fallback, outcome } = c;
      const seen = `${label(c)}: ${JSON.stringify(outcome)}`;
      assert.ok(outcome.ms < TOTAL_MS + MARGIN_MS, `${seen}: settled only after ${Math.round(outcome.ms)} ms`);
      const expect = (stream ? fault.stream : undefined) ?? fault.json;
      if (expect === "answered") {
        assert.deepEqual([outcome.upstream, outcome.status, outcome.code], ["faulty", 200, undefined], seen);
        assert.ok(outcome.content.length > 0, seen);
      } else if ("breaks" in expect) {
        // The first events came from the faulty upstream; then one OpenAI error event, whatever the route's fallbacks.
        assert.deepEqual([outcome.upstream, outcome.status, outcome.code], ["faulty", 200, expect.code], seen);
      } else if (fallback) {
        assert.deepEqual([outcome.upstream, outcome.status, outcome.code], ["good", 200, undefined], seen);
        assert.ok(outcome.content.length > 0, seen);
      } else {
        assert.deepEqual([outcome.status, outcome.code], [expect.status, expect.code], seen);
        if (expect.status === 429) assert.ok(Number(outcome.retryAfter) >= 1, `${seen}: Retry-After ${outcome.retryAfter}`);
      }
    }
    // Nothing hangs on the gateway's side either: no request in flight, and no connection once the client closes its own.
    assert.equal(gateway.context.inFlight.count, 0, "requests still in flight");
    await agent.close();
    for (let i = 0; i < 100 && (await gateway.openConnections()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await gateway.openConnections(), 0, "client connections left open on the gateway");
    agent = new Agent({ connections: 64 });
  });

  it("the breaker opens after 3 failures, probes once after its cool-down, and closes when the upstream recovers", async () => {
    const flakyRequests = () => faulty.requests.filter((r) => r.body?.model === "flaky").length;
    const gauge = async (): Promise<number | undefined> => {
      const text = await (await undiciFetch(`${gateway.url}/metrics`, { dispatcher: agent })).text();
      const line = text.split("\n").find((l) => l.startsWith("frugal_breaker_state{") && l.includes('upstream="faulty"') && l.includes('model="flaky"'));
      return line === undefined ? undefined : Number(line.split(" ").pop());
    };
    for (let i = 0; i < 3; i++) assert.equal((await ask("breaker", false)).upstream, "good");
    assert.equal(flakyRequests(), 3);
    assert.equal(await gauge(), 2, "open after 3 failures");
    // While open, the faulty target is skipped: the fallback answers and the faulty upstream sees nothing.
    for (let i = 0; i < 3; i++) assert.equal((await ask("breaker", i % 2 === 0)).upstream, "good");
    assert.equal(flakyRequests(), 3, "no request reached an open breaker's target");
    // After the cool-down one probe goes through; it fails, so the breaker opens again for another cool-down.
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await ask("breaker", false)).upstream, "good");
    assert.equal(flakyRequests(), 4, "exactly one probe");
    assert.equal(await gauge(), 2, "a failed probe reopens it");
    // The upstream recovers: the next probe succeeds and closes it; the faulty upstream answers again.
    faulty.setModel("flaky", { mode: "ok" });
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await ask("breaker", false)).upstream, "faulty");
    assert.equal(await gauge(), 0, "closed after a successful probe");
    assert.equal((await ask("breaker", true)).upstream, "faulty");
    assert.deepEqual(breakerLog, ["open", "half_open", "open", "half_open", "closed"]);
  });
});
