/**
 * The llama-cpp provider against a real GGUF (test/fixtures/tiny-gguf: random weights, so its text is gibberish). The
 * contract under test: every schema-constrained answer returned is valid against its schema, and a generation that is not
 * surfaces as `schema_violation`, never as output. Sampling uses fixed seeds, so a run repeats the same generations on
 * the same machine. One shared pool keeps native model loads to a few.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrugalError } from "../../core/errors.ts";
import type { ChatRequest, ChatResult, StreamPart } from "../types.ts";
import { createLlamaCppProvider, createLlamaModelPool } from "./index.ts";

const TINY = "test/fixtures/tiny-gguf/llama-2-tiny-random.gguf";
const pool = createLlamaModelPool();
// One thread: llama.cpp's spinning threads collapse when they outnumber free cores, and CI has 2 busy cores.
const base = { modelPath: TINY, pool, threads: 1, contextSize: 512 } as const;
const provider = createLlamaCppProvider({ ...base, maxConcurrency: 2 });
after(async () => {
  await provider.close();
  await pool.close();
});

const LABELS = ["card_arrival", "lost_or_stolen_card", "refund_not_showing_up", "exchange_rate"];
const labelSchema = { name: "label", schema: { type: "string", enum: LABELS } };
const FIELDS = { company: 24, date: 10, address: 40, total: 8 };
const receiptSchema = {
  name: "receipt",
  schema: {
    type: "object",
    properties: Object.fromEntries(Object.entries(FIELDS).map(([k, max]) => [k, { type: "string", maxLength: max }])),
    required: Object.keys(FIELDS),
    additionalProperties: false,
  },
};

/** The test's own reading of the receipt contract, independent of json-schema-check.ts. */
function receiptProblem(text: string): string | undefined {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (Object.keys(parsed).sort().join() !== Object.keys(FIELDS).sort().join()) return `fields ${Object.keys(parsed).join()}`;
  for (const [field, max] of Object.entries(FIELDS)) {
    const value = parsed[field];
    if (typeof value !== "string" || [...value].length > max || value.includes("\uFFFD")) return `${field}: ${JSON.stringify(value)}`;
  }
  return undefined;
}

const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [
    { role: "system", content: "Answer with JSON only." },
    { role: "user", content },
  ],
  maxTokens: 24,
  ...extra,
});

const fails = (code: string, ...texts: string[]) => (e: unknown) => {
  assert.ok(e instanceof FrugalError, `expected a FrugalError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  for (const text of texts) assert.ok(e.message.includes(text), `"${e.message}" should mention "${text}"`);
  return true;
};

function assertMeasured(r: ChatResult): void {
  assert.equal(r.usage.provenance, "measured");
  assert.ok(Number.isInteger(r.usage.inputTokens) && r.usage.inputTokens > 10, `inputTokens ${r.usage.inputTokens}`);
  assert.ok(Number.isInteger(r.usage.outputTokens) && r.usage.outputTokens > 0, `outputTokens ${r.usage.outputTokens}`);
  assert.ok(r.computeMs !== undefined && r.computeMs > 0, `computeMs ${r.computeMs}`);
  assert.ok(r.latencyMs >= r.computeMs, "latency includes compute");
  assert.ok(r.firstTokenMs !== undefined && r.firstTokenMs <= r.latencyMs);
}

describe("llama-cpp provider on the tiny GGUF", { timeout: 120_000 }, () => {
  it("an enum schema always yields one of the labels, under concurrency and sampling", async () => {
    const temps = [0, 0.7, 1.2, 1.5, 0.3, 1];
    const results = await Promise.all(temps.map((t, i) => provider.chat(ask(`Ticket ${i}: where is my card?`, { jsonSchema: labelSchema, temperature: t, seed: i }))));
    for (const r of results) {
      assert.ok(LABELS.includes(JSON.parse(r.text) as string), `not a label: ${r.text}`);
      assert.equal(r.finishReason, "stop");
      assertMeasured(r);
    }
  });

  it("an object schema with several string fields: every answer returned fits, the rest are schema_violation", async () => {
    // Seeds 2 and 51 at 1.3 once produced invalid UTF-8 bytes here (four U+FFFD in one field); whatever this machine
    // samples for them, the contract below must hold.
    const runs = [{ t: 0, seed: 1 }, { t: 1, seed: 1 }, ...[2, 51, 7, 11].flatMap((seed) => [{ t: 1.3, seed }, { t: 1.5, seed }])];
    const settled = await Promise.allSettled(
      runs.map(({ t, seed }) => provider.chat(ask("Receipt: ACME SDN BHD 12/01/2019 TOTAL 9.00", { jsonSchema: receiptSchema, temperature: t, seed, maxTokens: 160 }))),
    );
    settled.forEach((outcome, i) => {
      const at = JSON.stringify(runs[i]);
      if (outcome.status === "rejected") {
        assert.ok(outcome.reason instanceof FrugalError && outcome.reason.code === "schema_violation", `${at}: ${String(outcome.reason)}`);
        assert.equal(outcome.reason.retryable, false);
        assert.equal(outcome.reason.details.attempts, 2);
        return;
      }
      const r = outcome.value;
      assert.equal(receiptProblem(r.text), undefined, `${at}: ${r.text}`);
      assert.equal(r.finishReason, "stop");
      assert.ok(r.attempts === 1 || r.attempts === 2);
      assertMeasured(r);
    });
    assert.equal(settled[0]?.status, "fulfilled", "the greedy answer fits");
  });

  it("a seed reproduces a sampled answer; the UTF-8 guard bans the impossible byte tokens and U+FFFD", async () => {
    const request = ask("Receipt: ACME", { jsonSchema: receiptSchema, temperature: 1.3, seed: 42, maxTokens: 160 });
    const [a, b] = [await provider.chat(request), await provider.chat(request)];
    assert.equal(a.text, b.text);
    await assert.rejects(provider.chat(ask("x", { seed: -1 })), fails("input_invalid", "seed"));
    const lease = await pool.acquire({ modelPath: TINY, gpu: false, contextSize: 512, sequences: 2, threads: 1 });
    try {
      // Llama 2's vocabulary: 13 byte tokens that never occur in UTF-8 (C0, C1, F5-FF) + 2 tokens that are U+FFFD; strict
      // mode adds the 4 lead bytes whose validity depends on the next byte (E0, ED, F0, F4).
      assert.deepEqual(lease.utf8Guard.banned, { relaxed: 15, strict: 19 });
      assert.ok(lease.utf8Guard.bias(false) !== undefined && lease.utf8Guard.bias(true) !== undefined);
    } finally {
      await lease.release();
    }
  });

  it("an answer cut by maxTokens is generated again once, then is a schema_violation saying so; a stream ends the same way", async () => {
    const open = { name: "free", schema: { type: "object", properties: { note: { type: "string" } }, required: ["note"] } };
    // Three tokens cannot hold {"note":""}: both generations are cut, whatever the model samples.
    await assert.rejects(provider.chat(ask("Write a note.", { jsonSchema: open, maxTokens: 3 })), (e: unknown) => {
      fails("schema_violation", "2 generations", "raise it")(e);
      assert.ok(e instanceof FrugalError && e.details.finishReason === "length" && e.details.attempts === 2);
      assert.equal((e.details.usage as { outputTokens: number }).outputTokens, 6);
      return true;
    });
    const parts: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of provider.stream(ask("Write a note.", { jsonSchema: open, maxTokens: 3 }))) parts.push(part);
      })(),
      fails("schema_violation", "a streamed answer"),
    );
    assert.ok(parts.every((p) => p.type === "text-delta"));
  });

  it("a nullable field (anyOf) is honoured, and a constraint a grammar cannot enforce is refused", async () => {
    const nullable = { name: "n", schema: { type: "object", properties: { total: { anyOf: [{ type: "string", maxLength: 6 }, { type: "null" }] } }, required: ["total"] } };
    const r = await provider.chat(ask("Total?", { jsonSchema: nullable, maxTokens: 40, temperature: 1, seed: 3 }));
    const total = (JSON.parse(r.text) as { total: unknown }).total;
    assert.ok(total === null || (typeof total === "string" && [...total].length <= 6 && !total.includes("\uFFFD")), r.text);
    const pattern = { name: "p", schema: { type: "string", pattern: "^[0-9]+$" } };
    await assert.rejects(provider.chat(ask("x", { jsonSchema: pattern })), fails("input_invalid", "$.pattern"));
  });

  it("stream yields the same text as chat, as deltas, then one finish with usage and compute time", async () => {
    const request = ask("Say something.", { maxTokens: 12 });
    const whole = await provider.chat(request);
    const parts: StreamPart[] = [];
    for await (const part of provider.stream(request)) parts.push(part);
    const last = parts.pop();
    assert.ok(last?.type === "finish");
    assert.ok(parts.length > 1 && parts.every((p) => p.type === "text-delta" && p.text.length > 0));
    assert.equal(parts.map((p) => (p.type === "text-delta" ? p.text : "")).join(""), whole.text);
    assert.deepEqual(last.usage, whole.usage);
    assert.ok((last.computeMs ?? 0) > 0 && last.firstTokenMs !== undefined);
  });

  it("leaving a stream early frees its sequence for the next request", async () => {
    for await (const part of provider.stream(ask("Go on.", { maxTokens: 200 }))) {
      assert.equal(part.type, "text-delta");
      break;
    }
    assert.equal(pool.stats().activeSequences, 0);
    assert.ok((await provider.chat(ask("Again.", { maxTokens: 4 }))).text.length > 0);
  });

  it("aborts and timeouts reject with cancelled and provider_timeout, and the provider keeps serving", async () => {
    await assert.rejects(provider.chat(ask("x", { signal: AbortSignal.abort() })), fails("cancelled"));
    const controller = new AbortController();
    const pending = provider.chat(ask("A long answer please.", { maxTokens: 400, signal: controller.signal }));
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(pending, fails("cancelled"));
    await assert.rejects(provider.chat(ask("Slow.", { maxTokens: 400, timeoutMs: 20 })), fails("provider_timeout", "20 ms"));
    const r = await provider.chat(ask("Still there?", { jsonSchema: labelSchema }));
    assert.ok(LABELS.includes(JSON.parse(r.text) as string));
  });

  it("bad requests get clear errors: another model, no messages, a prompt longer than the context", async () => {
    await assert.rejects(provider.chat(ask("x", { model: "gpt-4o" })), fails("input_invalid", "gpt-4o"));
    await assert.rejects(provider.chat({ messages: [] }), fails("input_invalid", "at least one message"));
    await assert.rejects(provider.chat(ask("x", { maxTokens: 0 })), fails("input_invalid", "maxTokens"));
    await assert.rejects(provider.chat(ask("x", { temperature: -1 })), fails("input_invalid", "temperature"));
    await assert.rejects(provider.chat(ask("word ".repeat(600))), fails("input_invalid", "raise contextSize"));
    assert.throws(() => createLlamaCppProvider({ modelPath: TINY, maxConcurrency: 0 }), fails("config_invalid", "maxConcurrency"));
    assert.throws(() => createLlamaCppProvider({ modelPath: TINY, gpu: true as unknown as false }), fails("config_invalid", "gpu"));
  });

  it("the pool loads a model once for many concurrent requests from several providers, and one sequence serializes", async () => {
    const shared = createLlamaModelPool();
    const serial = createLlamaCppProvider({ ...base, pool: shared, maxConcurrency: 1 });
    const wide = createLlamaCppProvider({ ...base, pool: shared, maxConcurrency: 3 });
    try {
      const started: number[] = [];
      const calls = [serial, serial, serial, wide, wide, wide].map((p, i) => {
        started.push(performance.now());
        return p.chat(ask(`Request ${i}`, { maxTokens: 8 }));
      });
      const results = await Promise.all(calls);
      assert.equal(shared.stats().modelLoads, 1);
      assert.equal(shared.stats().loadedModels, 1);
      // With one sequence, the decoding windows [end - computeMs, end] of `serial`'s requests cannot overlap.
      const windows = results.slice(0, 3).map((r, i) => [(started[i] ?? 0) + r.latencyMs - (r.computeMs ?? 0), (started[i] ?? 0) + r.latencyMs] as const);
      windows.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < windows.length; i++) assert.ok((windows[i]?.[0] ?? 0) >= (windows[i - 1]?.[1] ?? 0) - 0.5, "two requests decoded at once on one sequence");
      assert.deepEqual((await serial.ready()).sequences, 1);
      await serial.close();
      assert.equal(shared.stats().loadedModels, 1, "the other provider still holds the model");
      await wide.close();
      assert.equal(shared.stats().loadedModels, 0, "the last release frees the model");
    } finally {
      await shared.close();
      await shared.close();
    }
  });

  it("close is idempotent, cancels what is in flight, and later calls reject", async () => {
    const own = createLlamaCppProvider({ modelPath: TINY, threads: 1, contextSize: 256 });
    const backend = await own.ready();
    assert.equal(backend.gpu, false);
    assert.equal(backend.threads, 1);
    const pending = assert.rejects(own.chat(ask("A long answer.", { maxTokens: 400 })), fails("cancelled", "closed"));
    await new Promise((r) => setTimeout(r, 20));
    await Promise.all([own.close(), own.close()]);
    await pending;
    await assert.rejects(own.chat(ask("x")), fails("provider_error", "closed"));
    await assert.rejects(own.ready(), fails("provider_error", "closed"));
  });

  it("a missing or corrupt GGUF is a clear error naming the file, and a fixed file loads on the next request", async () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-llama-"));
    const full = readFileSync(TINY);
    const path = join(dir, "model.gguf");
    const p = createLlamaCppProvider({ modelPath: path, pool, threads: 1, contextSize: 256 });
    try {
      await assert.rejects(p.chat(ask("x")), fails("file_not_found", path));
      // Cut after the header, in the metadata, and in the tensor data: three different failure paths in llama.cpp.
      for (const size of [20, 100_000, full.length - 1000]) {
        writeFileSync(path, full.subarray(0, size));
        await assert.rejects(p.ready(), fails("model_file_invalid", path, "corrupt"));
      }
      // llama.cpp's own reason reaches the message (it arrives through the native log, after the rejection).
      await assert.rejects(p.ready(), fails("model_file_invalid", path, "not within the file bounds"));
      writeFileSync(path, full);
      assert.ok((await p.chat(ask("x", { maxTokens: 2 }))).usage.outputTokens > 0);
    } finally {
      await p.close();
    }
  });
});
