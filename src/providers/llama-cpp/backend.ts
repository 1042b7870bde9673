/**
 * The llama.cpp backend (a node-llama-cpp `Llama`), one per GPU setting, shared by every pool in the process and never
 * disposed. This is the one module-level registry of the provider, on purpose: the native library behind it is already
 * process-global, and node-llama-cpp 3.21.1 punishes treating it otherwise —
 *   - its native log callback is global: disposing any Llama resets it, after which every other instance's llama.cpp lines
 *     go straight to the console (and a Llama that is garbage-collected is disposed by a finalizer);
 *   - after a failed model load, Llama.dispose() never resolves (a leaked dispose handle).
 * Pools own everything with memory behind it (models, contexts) and free it on close; a Llama without models holds no
 * model memory. Log lines fan out to every subscribed pool, which keeps them for its error messages.
 */
import type { Llama } from "node-llama-cpp";
import { loadLlama, type GpuSetting, type NativeLog } from "./load-model.ts";

const backends = new Map<GpuSetting, Promise<Llama>>();
const sinks = new Set<NativeLog>();

function fanOut(level: string, message: string): void {
  for (const sink of sinks) sink.push(level, message);
}

/** The shared Llama for this GPU setting, loaded on first use. A failed load is not cached (a retry may succeed). */
export function sharedLlama(gpu: GpuSetting): Promise<Llama> {
  let backend = backends.get(gpu);
  if (backend === undefined) {
    backend = loadLlama(gpu, fanOut);
    backends.set(gpu, backend);
    const created = backend;
    backend.catch(() => {
      if (backends.get(gpu) === created) backends.delete(gpu);
    });
  }
  return backend;
}

/** Receive llama.cpp's warning and error lines; returns the unsubscribe function. */
export function subscribeNativeLog(log: NativeLog): () => void {
  sinks.add(log);
  return () => sinks.delete(log);
}
