/**
 * A Provider that runs a local GGUF model in-process through node-llama-cpp 3.21.1: CPU by default, a GPU with `gpu: "auto"`.
 *
 *   const provider = createLlamaCppProvider({ modelPath: "models/qwen2.5-1.5b-q4_k_m.gguf", maxConcurrency: 2 });
 *   const answer = await provider.chat({ messages, jsonSchema: { name: "label", schema } });
 *   // answer.usage: prompt and answer tokens from the model's tokenizer (measured); answer.computeMs: decoding time
 *
 * The model loads on the first request (or on `ready()`), once per pool. A `jsonSchema` becomes a llama.cpp grammar plus a
 * UTF-8 guard (utf8-guard.ts), and the answer is still checked against the schema (../schema-answer.ts): the grammar alone
 * lets invalid UTF-8 bytes through. An invalid answer is generated again once, with seed + 1 and the strict guard, then is
 * a `schema_violation`.
 */
import { basename } from "node:path";
import { validateConfig } from "../../core/config-file.ts";
import { FrugalError } from "../../core/errors.ts";
import { cancelledError } from "../retry.ts";
import { checkStreamedAnswer, generateValid, nextSeed } from "../schema-answer.ts";
import type { ChatRequest, ChatResult, Provider, StreamPart } from "../types.ts";
import { generate, generationError, type GenerationResult } from "./generate.ts";
import { createLlamaModelPool, type BackendInfo, type LlamaModelPool, type ModelLease } from "./model-pool.ts";
import { llamaCppOptionsSchema, type LlamaCppOptions } from "./options.ts";
import { createChunkQueue, linkRequestSignal } from "./request-signal.ts";

export { createLlamaModelPool, defaultThreads, type BackendInfo, type LlamaModelPool, type PoolStats } from "./model-pool.ts";
export { llamaCppOptionsSchema, type LlamaCppOptions, type LlamaCppOptionsInput } from "./options.ts";

export interface LlamaCppProvider extends Provider {
  /** Loads the model now instead of on the first request, and says what it runs on (CPU threads, CUDA...). */
  ready(): Promise<BackendInfo>;
  /** The pool serving this provider (its own unless one was passed in). */
  readonly pool: LlamaModelPool;
}

/** How one generation runs: the re-generation after an invalid answer gets the next seed and the strict UTF-8 guard. */
interface Sampling {
  /** The call's start: timeouts and latencies of every generation of a call count from it. */
  startedAt: number;
  seed: number;
  strictUtf8: boolean;
  onTextChunk?: (text: string) => void;
  stop?: AbortSignal;
}

export function createLlamaCppProvider(options: LlamaCppOptions): LlamaCppProvider {
  const { pool: sharedPool, ...rest } = options;
  const resolved = validateConfig(llamaCppOptionsSchema, rest, "llama-cpp provider options");
  const pool = sharedPool ?? createLlamaModelPool();
  const modelName = resolved.model ?? basename(resolved.modelPath).replace(/\.gguf$/i, "");
  const defaults = { maxTokens: resolved.maxTokens, temperature: resolved.temperature };
  const closeController = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let lease: Promise<ModelLease> | undefined;
  let closing: Promise<void> | undefined;

  const closedError = (): FrugalError => new FrugalError("provider_error", `the llama-cpp provider for ${resolved.modelPath} is closed`);

  function acquire(): Promise<ModelLease> {
    if (lease === undefined) {
      const pending = pool.acquire({
        modelPath: resolved.modelPath,
        gpu: resolved.gpu,
        contextSize: resolved.contextSize,
        sequences: resolved.maxConcurrency,
        ...(resolved.threads === undefined ? {} : { threads: resolved.threads }),
      });
      lease = pending;
      // A failed load (file missing, corrupt) is retried by the next request rather than cached forever.
      pending.catch(() => {
        if (lease === pending) lease = undefined;
      });
    }
    return lease;
  }

  function sampling(request: ChatRequest, startedAt: number): Sampling {
    // A random seed per call unless one is given: node-llama-cpp's default (the current second) repeats within a second.
    return { startedAt, seed: request.seed ?? resolved.seed ?? Math.floor(Math.random() * 0x1_0000_0000), strictUtf8: false };
  }

  function run(request: ChatRequest, how: Sampling): Promise<GenerationResult> {
    if (closing !== undefined) return Promise.reject(closedError());
    if (request.model !== undefined && request.model !== modelName) {
      return Promise.reject(new FrugalError("input_invalid", `this llama-cpp provider serves "${modelName}" only, not "${request.model}"`));
    }
    const { startedAt, seed, strictUtf8, onTextChunk, stop } = how;
    const timeoutMs = request.timeoutMs ?? resolved.timeoutMs;
    // The limit is the call's: a re-generation gets what the first one left.
    const remainingMs = timeoutMs === undefined ? undefined : Math.max(1, timeoutMs - (performance.now() - startedAt));
    const abort = linkRequestSignal(
      [
        { signal: request.signal, cause: "cancelled" },
        { signal: stop, cause: "cancelled" },
        { signal: closeController.signal, cause: "closed" },
      ],
      remainingMs,
    );
    const task = (async () => {
      try {
        if (abort.cause() !== undefined) throw new Error("aborted before start");
        const model = await acquire();
        if (abort.cause() !== undefined) throw new Error("aborted while the model loaded");
        return await generate(model, request, defaults, { startedAt, signal: abort.signal, seed, strictUtf8, ...(onTextChunk === undefined ? {} : { onTextChunk }) });
      } catch (error) {
        throw generationError(error, abort.cause(), timeoutMs);
      } finally {
        abort.dispose();
      }
    })();
    inFlight.add(task);
    void task.then(
      () => inFlight.delete(task),
      () => inFlight.delete(task),
    );
    return task;
  }

  async function chat(request: ChatRequest): Promise<ChatResult> {
    const how = sampling(request, performance.now());
    const r = await generateValid(request, `llama-cpp ${modelName}`, async (again) => {
      const g = await run(request, again ? { ...how, seed: nextSeed(how.seed) ?? how.seed, strictUtf8: true } : how);
      return { ...g, usage: { inputTokens: g.inputTokens, outputTokens: g.outputTokens, provenance: "measured" as const }, attempts: 1 };
    });
    const result: ChatResult = {
      text: r.text,
      model: modelName,
      finishReason: r.finishReason,
      usage: r.usage,
      // Every generation's time: run() times each one from the same start.
      latencyMs: r.latencyMs,
      computeMs: r.computeMs,
      attempts: r.attempts,
    };
    if (r.firstTokenMs !== undefined) result.firstTokenMs = r.firstTokenMs;
    return result;
  }

  async function* stream(request: ChatRequest): AsyncGenerator<StreamPart> {
    const chunks = createChunkQueue();
    const stop = new AbortController();
    const result = run(request, { ...sampling(request, performance.now()), onTextChunk: (text) => chunks.push(text), stop: stop.signal });
    result.then(
      () => chunks.end(),
      (error: unknown) => chunks.fail(error),
    );
    // The caller may abort after the model already finished: it asked to stop, so it gets `cancelled`, not a finish.
    const checkAborted = (): void => {
      if (request.signal?.aborted === true) throw cancelledError(request.signal);
    };
    let finished = false;
    try {
      for await (const text of chunks) {
        checkAborted();
        yield { type: "text-delta", text };
        checkAborted();
      }
      const r = await result;
      checkAborted();
      finished = true;
      const usage = { inputTokens: r.inputTokens, outputTokens: r.outputTokens, provenance: "measured" as const };
      checkStreamedAnswer(request, `llama-cpp ${modelName}`, { ...r, usage, attempts: 1 });
      const finish: StreamPart = {
        type: "finish",
        finishReason: r.finishReason,
        usage,
        model: modelName,
        latencyMs: r.latencyMs,
        computeMs: r.computeMs,
      };
      if (r.firstTokenMs !== undefined) finish.firstTokenMs = r.firstTokenMs;
      yield finish;
    } finally {
      if (!finished) {
        // The consumer stopped reading (break, throw, abort): stop decoding and free the sequence before returning.
        stop.abort();
        await result.catch(() => undefined);
      }
    }
  }

  return {
    id: `llama-cpp:${resolved.modelPath}`,
    model: modelName,
    pool,
    chat,
    stream,
    async ready() {
      if (closing !== undefined) throw closedError();
      return (await acquire()).backend;
    },
    close() {
      closing ??= (async () => {
        closeController.abort();
        await Promise.allSettled([...inFlight]);
        const held = await lease?.catch(() => undefined);
        await held?.release();
        if (sharedPool === undefined) await pool.close();
      })();
      return closing;
    },
  };
}
