/**
 * Measured figures of the llama-cpp provider on the tiny GGUF (random weights, 1.7 MB, CPU): cold start, decoding speed,
 * schema-constrained classification, concurrency, thread count, and the provider's overhead against a raw node-llama-cpp
 * LlamaChat call on the same model in the same run (the peer). The tiny model says nothing about a real model's speed:
 * these figures measure frugal's plumbing, and how llama.cpp behaves on this machine.
 *
 *   node --import tsx bench/llama-cpp.ts [--n 30] [--threads 1]
 *
 * Prints one JSON object (figures, each `measured`, with the conditions) after a human-readable summary on stderr.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { LlamaChat } from "node-llama-cpp";
import { sharedLlama } from "../src/providers/llama-cpp/backend.ts";
import { createLlamaCppProvider, createLlamaModelPool } from "../src/providers/llama-cpp/index.ts";
import type { ChatRequest, ChatResult } from "../src/providers/types.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "30" }, threads: { type: "string", default: "1" } } });
const N = Number(values.n);
const THREADS = Number(values.threads);
const MODEL = "test/fixtures/tiny-gguf/llama-2-tiny-random.gguf";
const LABELS = ["card_arrival", "lost_or_stolen_card", "refund_not_showing_up", "exchange_rate", "top_up_failed"];

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const round = (x: number, d = 2): number => Number(x.toFixed(d));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const ask = (i: number, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [
    { role: "system", content: "Classify the banking customer's message. Answer with the label only." },
    { role: "user", content: `Message ${i}: I ordered a card two weeks ago and it has still not arrived. What should I do?` },
  ],
  ...extra,
});

const conditions = { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadavgAtStart: loadavg().map((x) => round(x)), threads: THREADS, date: new Date().toISOString() };
const figures: Record<string, unknown> = {};

// 1. Cold start: the backend (node-llama-cpp tests its prebuilt binary in a subprocess first), then model + context.
let t = performance.now();
await sharedLlama(false);
figures.backend_load_ms = { value: round(performance.now() - t, 0), provenance: "measured" };
const pool = createLlamaModelPool();
const provider = createLlamaCppProvider({ modelPath: MODEL, pool, threads: THREADS, contextSize: 512, maxConcurrency: 1 });
t = performance.now();
const backend = await provider.ready();
figures.model_and_context_load_ms = { value: round(performance.now() - t, 0), provenance: "measured" };
figures.backend = backend;

async function series(make: (i: number) => Promise<ChatResult>): Promise<ChatResult[]> {
  await make(-1); // warm-up
  const out: ChatResult[] = [];
  for (let i = 0; i < N; i++) out.push(await make(i));
  return out;
}

function summarize(name: string, results: ChatResult[]): void {
  const compute = results.map((r) => r.computeMs ?? 0);
  const tokens = results.reduce((a, r) => a + r.usage.outputTokens, 0);
  const seconds = compute.reduce((a, b) => a + b, 0) / 1000;
  figures[name] = {
    provenance: "measured",
    n: results.length,
    output_tokens_per_s: round(tokens / seconds, 1),
    compute_ms: { p50: round(quantile(compute, 0.5)), p95: round(quantile(compute, 0.95)) },
    latency_ms: { p50: round(quantile(results.map((r) => r.latencyMs), 0.5)) },
    mean_output_tokens: round(tokens / results.length, 1),
    mean_input_tokens: round(results.reduce((a, r) => a + r.usage.inputTokens, 0) / results.length, 1),
  };
  log(`${name}: ${JSON.stringify(figures[name])}`);
}

// 2. Free decoding, 64 tokens (the random model never stops early).
summarize("free_64_tokens", await series((i) => provider.chat(ask(i, { maxTokens: 64 }))));

// 3. Classification under a JSON-schema grammar (enum of labels): the shape of an llm tier's answer.
const schema = { name: "label", schema: { type: "string", enum: LABELS } };
summarize("enum_schema_answer", await series((i) => provider.chat(ask(i, { maxTokens: 24, jsonSchema: schema }))));

// 4. Peer: the same request through a raw LlamaChat on the same model and thread count, alternating with the provider.
{
  const llama = await sharedLlama(false);
  const model = await llama.loadModel({ modelPath: MODEL, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 512, sequences: 1, threads: THREADS });
  const chat = new LlamaChat({ contextSequence: context.getSequence(), autoDisposeSequence: true });
  const grammar = await llama.createGrammarForJsonSchema({ type: "string", enum: LABELS });
  const raw: number[] = [];
  const ours: number[] = [];
  for (let i = -1; i < N; i++) {
    const request = ask(i, { maxTokens: 24, jsonSchema: schema });
    const history = [
      { type: "system" as const, text: request.messages[0]?.content ?? "" },
      { type: "user" as const, text: request.messages[1]?.content ?? "" },
      { type: "model" as const, response: [] },
    ];
    let s = performance.now();
    await chat.generateResponse(history, { grammar, maxTokens: 24, temperature: 0 });
    const rawMs = performance.now() - s;
    s = performance.now();
    await provider.chat(request);
    const oursMs = performance.now() - s;
    if (i >= 0) {
      raw.push(rawMs);
      ours.push(oursMs);
    }
  }
  figures.overhead_vs_raw_llamachat = {
    provenance: "measured",
    n: N,
    raw_ms_p50: round(quantile(raw, 0.5)),
    provider_ms_p50: round(quantile(ours, 0.5)),
    ratio_p50: round(quantile(ours, 0.5) / quantile(raw, 0.5), 3),
    added_ms_p50: round(quantile(ours, 0.5) - quantile(raw, 0.5)),
  };
  log(`overhead_vs_raw_llamachat: ${JSON.stringify(figures.overhead_vs_raw_llamachat)}`);
  chat.dispose();
  await context.dispose();
  await model.dispose();
}

// 5. Concurrency: 8 requests at once, one sequence vs four (same threads): wall time and aggregate tokens/s.
for (const sequences of [1, 4]) {
  const p = createLlamaCppProvider({ modelPath: MODEL, pool, threads: THREADS, contextSize: 512, maxConcurrency: sequences });
  await p.chat(ask(-1, { maxTokens: 8 }));
  const s = performance.now();
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => p.chat(ask(i, { maxTokens: 64 }))));
  const wall = performance.now() - s;
  const tokens = results.reduce((a, r) => a + r.usage.outputTokens, 0);
  figures[`concurrent_8x64_sequences_${sequences}`] = { provenance: "measured", wall_ms: round(wall, 0), aggregate_output_tokens_per_s: round(tokens / (wall / 1000), 1) };
  log(`concurrent_8x64_sequences_${sequences}: ${JSON.stringify(figures[`concurrent_8x64_sequences_${sequences}`])}`);
  await p.close();
}

await provider.close();
await pool.close();
figures.conditions = { ...conditions, loadavgAtEnd: loadavg().map((x) => round(x)) };
process.stdout.write(`${JSON.stringify({ bench: "llama-cpp", model: MODEL, figures }, null, 2)}\n`);
