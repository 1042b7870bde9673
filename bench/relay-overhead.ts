/**
 * What the relay (src/relay) adds over a raw undici call, for JSON and SSE answers, at P50/P99, in client CPU per request,
 * and in closed-loop throughput.
 *
 *   node --import tsx bench/relay-overhead.ts [--iterations 10000] [--warmup 1000] [--seconds 5] [--concurrency 64]
 *
 * A no-op OpenAI-compatible server runs in a child process and answers every POST with the same small completion, or
 * (when the body says `"stream":true`) the same 20 SSE deltas, a usage chunk and [DONE]. The client process times,
 * one request at a time and interleaved, (a) `pool.request` with the same body bytes, reading the JSON text or every SSE
 * chunk, and (b) `relay.chat()` through a one-target route (body re-serialized with the target's model, timers armed,
 * JSON parsed and usage read, or every SSE event parsed, scanned and handed over), each with a fresh abort handle as the
 * gateway would pass: an EventEmitter-based `CallAbort`, and, for JSON, also a fresh AbortSignal. Both use an undici Pool with the same
 * options against the same server in the same run. The throughput phase runs `--concurrency` requests in flight for
 * `--seconds` each, raw then relay then raw, on the same 2 cores as the server. Figures are `measured`.
 */
import { Pool } from "undici";
import { nearestRank } from "../src/core/percentile.ts";
import { CallAbort } from "../src/providers/openai-compatible/call.ts";
import { createRelay } from "../src/relay/index.ts";
import { benchCompletion, numberFlag, serveOnFreePort, startChildServer } from "./child-server.ts";
import { timePairs } from "./paired-timing.ts";

const COMPLETION = benchCompletion("bench-model", 0);

function sseBody(chunks: number): string {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "bench-model" };
  let out = "";
  for (let i = 0; i < chunks; i++) {
    const choice = { index: 0, delta: { content: `tok${i} ` }, logprobs: null, finish_reason: i === chunks - 1 ? "stop" : null };
    out += `data: ${JSON.stringify({ ...base, choices: [choice], usage: null })}\n\n`;
  }
  out += `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 42, completion_tokens: chunks, total_tokens: 42 + chunks } })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}

function serve(chunks: number): void {
  const sse = sseBody(chunks);
  serveOnFreePort((req, res) => {
    let streamed = false;
    req.on("data", (chunk: Buffer) => {
      streamed ||= chunk.includes('"stream":true');
    });
    req.on("end", () => {
      if (streamed) {
        res.writeHead(200, { "content-type": "text/event-stream", "content-length": Buffer.byteLength(sse) });
        res.end(sse);
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(COMPLETION) });
      res.end(COMPLETION);
    });
  });
}

/** Deltas per streamed answer (the child server is started without flags, so this is a constant). */
const CHUNKS = 20;

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

function summary(samples: Float64Array): { p50: number; p99: number; mean: number } {
  const sorted = Float64Array.from(samples).sort();
  return { p50: round3(nearestRank(sorted, 0.5)), p99: round3(nearestRank(sorted, 0.99)), mean: round3(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}

type Call = () => Promise<void>;

/** Interleaved single-request timings of two calls, and their client CPU per request over alternating blocks. */
async function compare(raw: Call, relay: Call, iterations: number, warmup: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < warmup; i++) {
    await raw();
    await relay();
  }
  const { aMs: rawMs, bMs: relayMs } = await timePairs(iterations, raw, relay);
  const cpu = { raw: 0, relay: 0 };
  const block = Math.max(200, Math.floor(iterations / 10));
  for (let b = 0; b < 6; b++) {
    for (const which of b % 2 === 0 ? (["raw", "relay"] as const) : (["relay", "raw"] as const)) {
      const fn = which === "raw" ? raw : relay;
      const start = process.cpuUsage();
      for (let i = 0; i < block; i++) await fn();
      const used = process.cpuUsage(start);
      cpu[which] += used.user + used.system;
    }
  }
  const a = summary(rawMs);
  const b = summary(relayMs);
  const perRequest = (us: number): number => Math.round((us / (6 * block)) * 10) / 10;
  return {
    raw_undici_ms: a,
    relay_ms: b,
    added_p50_ms: round3(b.p50 - a.p50),
    added_p99_ms: round3(b.p99 - a.p99),
    cpu_us_per_request: { raw: perRequest(cpu.raw), relay: perRequest(cpu.relay) },
  };
}

/** Requests per second with `concurrency` always in flight, for `seconds`. */
async function throughput(call: Call, concurrency: number, seconds: number): Promise<number> {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      await call();
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Math.round(done / ((performance.now() - started) / 1000));
}

async function main(): Promise<void> {
  const iterations = numberFlag("iterations", 10_000);
  const warmup = numberFlag("warmup", 1_000);
  const chunks = CHUNKS;
  const seconds = numberFlag("seconds", 5);
  const concurrency = numberFlag("concurrency", 64);
  const { port, stop } = await startChildServer(import.meta.url);
  const origin = `http://127.0.0.1:${port}`;
  const relay = createRelay({
    upstreams: { bench: { base_url: `${origin}/v1`, connections: concurrency } },
    routes: [{ name: "gpt-bench", targets: [{ upstream: "bench", model: "bench-model" }] }],
    env: {},
  });
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const messages = [
    { role: "system", content: "Classify the customer's message into one BANKING77 intent. Answer with the label only." },
    { role: "user", content: "I ordered my card two weeks ago and it still has not arrived, what should I do?" },
  ];
  const jsonBody = { model: "gpt-bench", messages, temperature: 0 };
  const streamBody = { ...jsonBody, stream: true };
  // The bytes the relay puts on the wire, so both sides send the same request.
  const rawJson = JSON.stringify({ ...jsonBody, model: "bench-model" });
  const rawStream = JSON.stringify({ ...streamBody, model: "bench-model", stream_options: { include_usage: true } });
  const headers = { "content-type": "application/json", accept: "application/json" };
  const sseHeaders = { "content-type": "application/json", accept: "text/event-stream" };

  const raw: Call = async () => {
    const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers, body: rawJson });
    await response.body.text();
  };
  const viaRelay: Call = async () => {
    const result = await relay.chat({ route: "gpt-bench", body: jsonBody, signal: new CallAbort() });
    if (result.kind !== "json" || result.usage?.outputTokens !== 3) throw new Error("unexpected relay answer");
  };
  const viaRelayAbortSignal: Call = async () => {
    const result = await relay.chat({ route: "gpt-bench", body: jsonBody, signal: new AbortController().signal });
    if (result.kind !== "json" || result.usage?.outputTokens !== 3) throw new Error("unexpected relay answer");
  };
  const rawSse: Call = async () => {
    const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: sseHeaders, body: rawStream });
    for await (const _chunk of response.body) {
      // read every byte, as a proxy would forward it
    }
  };
  const relaySse: Call = async () => {
    const result = await relay.chat({ route: "gpt-bench", body: streamBody, signal: new CallAbort() });
    if (result.kind !== "stream") throw new Error("expected a stream");
    let n = 0;
    for await (const _event of result.events) n++;
    if (n !== chunks + 2 || result.usage()?.outputTokens !== chunks) throw new Error(`unexpected stream (${n} events)`);
  };

  const json = await compare(raw, viaRelay, iterations, warmup);
  const jsonAbortSignal = await compare(raw, viaRelayAbortSignal, Math.max(1, Math.floor(iterations / 2)), Math.max(1, Math.floor(warmup / 2)));
  const sse = await compare(rawSse, relaySse, Math.max(1, Math.floor(iterations / 2)), Math.max(1, Math.floor(warmup / 2)));
  const rawRps1 = await throughput(raw, concurrency, seconds);
  const relayRps = await throughput(viaRelay, concurrency, seconds);
  const rawRps2 = await throughput(raw, concurrency, seconds);
  await relay.close();
  await pool.close();
  stop();

  const report = {
    bench: "relay-overhead",
    date: new Date().toISOString(),
    node: process.version,
    provenance: "measured",
    iterations,
    sse_chunks: chunks,
    json,
    json_with_fresh_abort_signal: jsonAbortSignal,
    sse,
    throughput_rps: { concurrency, seconds, raw_before: rawRps1, relay: relayRps, raw_after: rawRps2 },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv.includes("--serve")) serve(CHUNKS);
else await main();
