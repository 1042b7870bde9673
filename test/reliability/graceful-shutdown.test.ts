/**
 * Graceful shutdown under load: `frugal serve` as a child process with 50 requests in flight against a slow stand-in
 * upstream gets SIGTERM. Every request it had accepted ends whole — a complete answer when it fits in `drain_ms`, else a
 * clean OpenAI error (a 503 status, or a final error event on a stream already flowing), never a reset connection —
 * the process exits 0 within drain_ms plus a margin, and the SQLite ledger holds exactly one row per request, its chain
 * verified by `frugal ledger verify`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { frugalCli, ledgerRows, newRequestId, postJson, readSse, userMessage } from "../../src/gateway/testing/behaviour.ts";
import { newKey, serveChild } from "../../src/gateway/testing/serve-child.ts";
import { startFakeUpstream, type FakeUpstream } from "../../src/relay/testing/fake-upstream.ts";

const DRAIN_MS = 6_000;
/** Process start-up of the ledger flush and exit on a busy 2-core machine: a bound against a hang, not a timing. */
const MARGIN_MS = 5_000;
const IN_FLIGHT = 50;

const config = (upstream: string) => `
server: { drain_ms: ${DRAIN_MS}, sse_keepalive_ms: 500 }
upstreams:
  slow: { base_url: "${upstream}" }
routes:
  # Answers well within the drain (about 1 s, so a loaded machine still fits): 0.5 s to the first byte, then 10 chunks.
  - name: slow
    targets: [{ upstream: slow, model: slow }]
    retries: 0
    timeouts_ms: { first_byte: 60000, total: 120000 }
  # Longer than the drain: nothing for 30 s (JSON), or (too-slow-stream) a stream that starts and then stalls.
  - name: too-slow
    targets: [{ upstream: slow, model: too-slow }]
    retries: 0
    timeouts_ms: { first_byte: 60000, total: 120000 }
  - name: too-slow-stream
    targets: [{ upstream: slow, model: too-slow-stream }]
    retries: 0
    timeouts_ms: { first_byte: 60000, total: 120000 }
`;

interface Ended {
  id: string;
  route: string;
  stream: boolean;
  status: number;
  /** JSON: an answer with choices; stream: content and [DONE]. */
  complete: boolean;
  /** The OpenAI error code, from a JSON error body or a stream's last event. */
  errorCode?: string;
}

describe("graceful shutdown under load", { timeout: 90_000 }, () => {
  let upstream: FakeUpstream;
  let dir: string;
  before(async () => {
    upstream = await startFakeUpstream({
      byModel: {
        slow: { mode: "slow-first-byte", delayMs: 500, then: { mode: "ok", chunks: 10, chunkDelayMs: 50 } },
        "too-slow": { mode: "slow-first-byte", delayMs: 30_000 },
        "too-slow-stream": { mode: "ok", chunks: 10, chunkDelayMs: 30_000 },
      },
    });
    dir = mkdtempSync(join(tmpdir(), "frugal-drain-"));
  });
  after(async () => {
    await upstream?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(`SIGTERM with ${IN_FLIGHT} requests in flight: each ends whole or with a clean error, exit 0, one ledger row each`, async () => {
    const dataDir = join(dir, "data");
    const configFile = join(dir, "frugal.yaml");
    writeFileSync(configFile, config(upstream.url));
    const key = await newKey(dataDir);
    const served = await serveChild([configFile, "--port", "0", "--data-dir", dataDir]);

    const one = async (i: number): Promise<Ended> => {
      // 40 answered within the drain; 5 with no byte yet at the deadline (stream asked or not); 5 streams mid-way.
      const route = i % 10 === 0 ? "too-slow" : i % 10 === 5 ? "too-slow-stream" : "slow";
      const stream = route === "too-slow" ? i % 20 === 0 : route === "too-slow-stream" || i % 2 === 0;
      const id = newRequestId(`drain${i}`);
      const res = await postJson(`${served.url}/v1`, "/chat/completions", { model: route, ...(stream ? { stream: true } : {}), messages: userMessage(`request ${i}`) }, { key, requestId: id });
      if (!stream || res.headers.get("content-type")?.includes("text/event-stream") !== true) {
        const body = (await res.json()) as { choices?: unknown[]; error?: { code?: string } };
        return { id, route, stream, status: res.status, complete: Array.isArray(body.choices) && body.choices.length > 0, ...(body.error?.code === undefined ? {} : { errorCode: body.error.code }) };
      }
      const sse = await readSse(res);
      const last = sse.chunks.at(-1) as { error?: { code?: string } } | undefined;
      return { id, route, stream, status: res.status, complete: sse.done && sse.content.length > 0, ...(last?.error?.code === undefined ? {} : { errorCode: last.error.code }) };
    };
    const settled = Promise.allSettled(Array.from({ length: IN_FLIGHT }, (_, i) => one(i)));
    // Every request accepted and at the upstream: only then the signal.
    await upstream.waitFor(() => upstream.requests.length === IN_FLIGHT, 20_000);
    const signalled = performance.now();
    served.child.kill("SIGTERM");
    const exit = await served.exited;
    const exitMs = performance.now() - signalled;
    const outcomes = await settled;

    assert.deepEqual(exit, { code: 0, signal: null }, served.stderr());
    assert.ok(exitMs < DRAIN_MS + MARGIN_MS, `exited ${Math.round(exitMs)} ms after SIGTERM`);
    const rejected = outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason));
    assert.deepEqual(rejected, [], "no request ended with a broken connection");
    const ended = outcomes.map((o) => (o as PromiseFulfilledResult<Ended>).value);
    for (const e of ended) {
      if (e.route === "slow") assert.deepEqual([e.status, e.complete, e.errorCode], [200, true, undefined], `${e.id} (within the drain) was answered whole`);
      else if (e.route === "too-slow") assert.deepEqual([e.status, e.errorCode], [503, "upstream_unavailable"], `${e.id} (no byte by the deadline) got a clean error`);
      else assert.deepEqual([e.status, e.complete, e.errorCode], [200, false, "upstream_unavailable"], `${e.id} (a stream cut at the deadline) ended with an error event`);
    }
    assert.equal(ended.filter((e) => e.route === "slow").length, 40);

    const rows = await ledgerRows(dataDir);
    assert.deepEqual(rows.map((r) => r.requestId).sort(), ended.map((e) => e.id).sort(), "one ledger row per request");
    for (const e of ended) assert.equal(rows.find((r) => r.requestId === e.id)?.status, e.route === "too-slow" ? 503 : 200, e.id);
    const verified = await frugalCli(["ledger", "verify", "--data-dir", dataDir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`^ok: ${IN_FLIGHT} rows`));
  });
});
