/**
 * The model pool: each GGUF file is loaded once per pool (keyed by its resolved path and GPU setting), all models of a
 * GPU setting share one Llama (the native backend), and each model serves requests through a context with a fixed number
 * of sequences; requests beyond that wait in a FIFO queue. Providers acquire a lease and release it on close; the last
 * release frees the context and the model's memory. Create one pool and pass it to several providers to share models.
 */
import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import type { LlamaChat, LlamaContext, LlamaContextSequence, LlamaGrammar, Llama, LlamaModel } from "node-llama-cpp";
import { FrugalError, toFrugalError } from "../../core/errors.ts";
import { createKeepAlive, type KeepAlive } from "./keep-alive.ts";
import { sharedLlama, subscribeNativeLog } from "./backend.ts";
import { createNativeLog, loadGgufModel, type GpuSetting, type NativeLog } from "./load-model.ts";
import { grammarSchema } from "./schema-subset.ts";
import { createSequenceSlots, type SequenceSlots } from "./sequence-slots.ts";
import { createUtf8Guard, type Utf8Guard } from "./utf8-guard.ts";

export interface PoolModelSpec {
  modelPath: string;
  gpu: GpuSetting;
  /** Tokens per sequence. */
  contextSize: number;
  /** Sequences decoded together: the concurrency limit of this model. */
  sequences: number;
  /** CPU threads; default: all math cores but one (see defaultThreads). */
  threads?: number;
}

/** What a lease actually runs on, for reports ("cpu, 1 thread" vs "cuda"). */
export interface BackendInfo {
  modelPath: string;
  /** false = CPU; otherwise the GPU backend node-llama-cpp picked ("cuda", "vulkan", "metal"). */
  gpu: string | false;
  threads: number;
  contextSize: number;
  sequences: number;
}

export interface SequenceLease {
  readonly chat: LlamaChat;
  readonly sequence: LlamaContextSequence;
  /**
   * `dirty`: the generation failed or was aborted, so the sequence's cached tokens are cleared before reuse. Resolves once
   * the slot is free again, so a request that has settled never still holds a sequence.
   */
  release(options?: { dirty?: boolean }): Promise<void>;
}

export interface ModelLease {
  readonly model: LlamaModel;
  readonly backend: BackendInfo;
  readonly keepAlive: KeepAlive;
  /** Token biases that keep schema-constrained answers valid UTF-8 (see utf8-guard.ts), built once per model. */
  readonly utf8Guard: Utf8Guard;
  acquireSequence(signal?: AbortSignal): Promise<SequenceLease>;
  /** A grammar for a JSON schema, built once per schema and shared (grammars are immutable). */
  grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar>;
  /** Drops this holder; the last one frees the context (and the model when no other context uses it). */
  release(): Promise<void>;
}

export interface PoolStats {
  /** Native model loads performed since the pool was created. */
  modelLoads: number;
  loadedModels: number;
  activeSequences: number;
  queuedRequests: number;
}

export interface LlamaModelPool {
  acquire(spec: PoolModelSpec): Promise<ModelLease>;
  stats(): PoolStats;
  /** Frees every model and context; idempotent. Waiting requests reject with `cancelled`. */
  close(): Promise<void>;
}

interface Slot {
  sequence: LlamaContextSequence;
  chat: LlamaChat;
}

interface ContextEntry {
  refs: number;
  ready: Promise<{ context: LlamaContext; slots: SequenceSlots<Slot>; backend: BackendInfo }>;
}

interface ModelEntry {
  refs: number;
  llama: Promise<Llama>;
  model: Promise<LlamaModel>;
  utf8Guard: Promise<Utf8Guard>;
  contexts: Map<string, ContextEntry>;
}

const GRAMMAR_CACHE_LIMIT = 128;

/**
 * llama.cpp's CPU threads spin while they wait for each other, so more threads than free cores is catastrophic: on this
 * busy 2-core machine, decoding fell from 204 to 4.9 tokens/s going from 1 to 2 threads (bench/notes/llama-cpp-meter.md).
 * Leave one core to the event loop, the load generator and the other tiers.
 */
export function defaultThreads(cpuMathCores: number): number {
  return Math.max(1, Math.min(cpuMathCores, availableParallelism() - 1));
}

export function createLlamaModelPool(): LlamaModelPool {
  const log: NativeLog = createNativeLog();
  const unsubscribe = subscribeNativeLog(log);
  const keepAlive = createKeepAlive();
  const models = new Map<string, ModelEntry>();
  const grammars = new Map<Llama, Map<string, Promise<LlamaGrammar>>>();
  const liveSlots = new Set<SequenceSlots<Slot>>();
  let modelLoads = 0;
  let closing: Promise<void> | undefined;

  function llamaFor(gpu: GpuSetting): Promise<Llama> {
    return keepAlive.run(() => sharedLlama(gpu));
  }

  function modelEntry(spec: PoolModelSpec): { key: string; entry: ModelEntry } {
    const key = `${String(spec.gpu)}|${resolvePath(spec.modelPath)}`;
    let entry = models.get(key);
    if (entry === undefined) {
      const llama = llamaFor(spec.gpu);
      const model = llama.then((l) =>
        keepAlive.run(async () => {
          const loaded = await loadGgufModel(l, spec.modelPath, log);
          modelLoads += 1;
          return loaded;
        }),
      );
      entry = { refs: 0, llama, model, utf8Guard: model.then(createUtf8Guard), contexts: new Map() };
      entry.utf8Guard.catch(() => undefined); // a failed load is reported through `model`
      models.set(key, entry);
      const created = entry;
      model.catch(() => {
        if (models.get(key) === created) models.delete(key);
      });
    }
    return { key, entry };
  }

  function contextEntry(entry: ModelEntry, spec: PoolModelSpec): { key: string; ctx: ContextEntry } {
    const key = `${spec.contextSize}|${spec.sequences}|${spec.threads ?? "default"}`;
    let ctx = entry.contexts.get(key);
    if (ctx === undefined) {
      const ready = Promise.all([entry.llama, entry.model]).then(([llama, model]) =>
        keepAlive.run(async () => {
          const threads = spec.threads ?? (llama.gpu === false ? defaultThreads(llama.cpuMathCores) : undefined);
          let context: LlamaContext;
          try {
            context = await model.createContext({ contextSize: spec.contextSize, sequences: spec.sequences, ...(threads === undefined ? {} : { threads }) });
          } catch (error) {
            throw new FrugalError("provider_error", `${spec.modelPath}: cannot create a context of ${spec.sequences} × ${spec.contextSize} tokens: ${toFrugalError(error).message}`, {
              cause: error,
            });
          }
          const { LlamaChat } = await import("node-llama-cpp");
          const slots: Slot[] = [];
          for (let i = 0; i < spec.sequences; i++) {
            const sequence = context.getSequence();
            slots.push({ sequence, chat: new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false }) });
          }
          const backend: BackendInfo = { modelPath: spec.modelPath, gpu: llama.gpu, threads: context.currentThreads, contextSize: context.contextSize, sequences: spec.sequences };
          const pool = createSequenceSlots(slots);
          liveSlots.add(pool);
          return { context, slots: pool, backend };
        }),
      );
      ctx = { refs: 0, ready };
      entry.contexts.set(key, ctx);
      const created = ctx;
      ready.catch(() => {
        if (entry.contexts.get(key) === created) entry.contexts.delete(key);
      });
    }
    return { key, ctx };
  }

  async function grammarFor(llama: Llama, schema: Record<string, unknown>): Promise<LlamaGrammar> {
    let cache = grammars.get(llama);
    if (cache === undefined) grammars.set(llama, (cache = new Map()));
    const supported = grammarSchema(schema);
    const key = JSON.stringify(supported);
    let grammar = cache.get(key);
    if (grammar === undefined) {
      if (cache.size >= GRAMMAR_CACHE_LIMIT) cache.delete(cache.keys().next().value ?? "");
      grammar = llama.createGrammarForJsonSchema(supported as Parameters<Llama["createGrammarForJsonSchema"]>[0]).catch((error: unknown) => {
        cache.delete(key);
        throw new FrugalError("input_invalid", `this JSON schema cannot be turned into a llama.cpp grammar: ${toFrugalError(error).message}`, { cause: error });
      });
      cache.set(key, grammar);
    }
    return grammar;
  }

  async function disposeContext(entry: ModelEntry, key: string, ctx: ContextEntry): Promise<void> {
    if (entry.contexts.get(key) === ctx) entry.contexts.delete(key);
    const ready = await ctx.ready.catch(() => undefined);
    if (ready === undefined) return;
    ready.slots.close("the model was released");
    liveSlots.delete(ready.slots);
    await keepAlive.run(() => ready.context.dispose());
  }

  async function disposeModel(key: string, entry: ModelEntry): Promise<void> {
    if (models.get(key) === entry) models.delete(key);
    await Promise.all([...entry.contexts.entries()].map(([k, c]) => disposeContext(entry, k, c)));
    const model = await entry.model.catch(() => undefined);
    if (model !== undefined) await keepAlive.run(() => model.dispose());
  }

  return {
    async acquire(spec) {
      if (closing !== undefined) throw new FrugalError("provider_error", "the llama.cpp model pool is closed");
      const { key, entry } = modelEntry(spec);
      const { key: ctxKey, ctx } = contextEntry(entry, spec);
      entry.refs += 1;
      ctx.refs += 1;
      let released = false;
      const release = async (): Promise<void> => {
        if (released) return;
        released = true;
        ctx.refs -= 1;
        entry.refs -= 1;
        if (ctx.refs === 0) await disposeContext(entry, ctxKey, ctx);
        if (entry.refs === 0) await disposeModel(key, entry);
      };
      let ready: Awaited<ContextEntry["ready"]>;
      let model: LlamaModel;
      let llama: Llama;
      let utf8Guard: Utf8Guard;
      try {
        [ready, model, llama, utf8Guard] = await Promise.all([ctx.ready, entry.model, entry.llama, entry.utf8Guard]);
      } catch (error) {
        await release();
        throw error;
      }
      return {
        model,
        backend: ready.backend,
        keepAlive,
        utf8Guard,
        async acquireSequence(signal) {
          const lease = await ready.slots.acquire(signal);
          return {
            chat: lease.slot.chat,
            sequence: lease.slot.sequence,
            async release(options) {
              try {
                // An aborted generation leaves half-evaluated tokens behind: clear them before the slot is handed on.
                if (options?.dirty === true) await keepAlive.run(() => lease.slot.sequence.clearHistory()).catch(() => undefined);
              } finally {
                lease.release();
              }
            },
          };
        },
        grammarFor: (schema) => grammarFor(llama, schema),
        release,
      };
    },

    stats() {
      let activeSequences = 0;
      let queuedRequests = 0;
      for (const slots of liveSlots) {
        activeSequences += slots.busy;
        queuedRequests += slots.waiting;
      }
      return { modelLoads, loadedModels: models.size, activeSequences, queuedRequests };
    },

    close() {
      closing ??= (async () => {
        await Promise.all([...models.entries()].map(([k, e]) => disposeModel(k, e)));
        // The Llama backends are shared and never disposed (see backend.ts); this pool's models and contexts are freed.
        grammars.clear();
        unsubscribe();
      })();
      return closing;
    },
  };
}
