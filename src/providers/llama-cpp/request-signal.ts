/**
 * One AbortSignal per request that fires for any of its causes — the caller's signal, the consumer leaving a stream, the
 * per-request timeout, the provider closing — and remembers which fired first, so the error says "timeout" or "cancelled"
 * rather than whatever llama.cpp threw on abort.
 */
import type { AbortCause } from "./generate.ts";

export interface RequestSignal {
  readonly signal: AbortSignal;
  /** The first cause that fired, if any. */
  cause(): AbortCause | undefined;
  /** Detaches the listeners and the timer (always call it). */
  dispose(): void;
}

export function linkRequestSignal(sources: Array<{ signal: AbortSignal | undefined; cause: AbortCause }>, timeoutMs: number | undefined): RequestSignal {
  const controller = new AbortController();
  let fired: AbortCause | undefined;
  const detach: Array<() => void> = [];
  const fire = (cause: AbortCause): void => {
    if (fired !== undefined) return;
    fired = cause;
    controller.abort(new Error(`request ${cause}`));
  };
  for (const { signal, cause } of sources) {
    if (signal === undefined) continue;
    if (signal.aborted) {
      fire(cause);
      continue;
    }
    const onAbort = (): void => fire(cause);
    signal.addEventListener("abort", onAbort, { once: true });
    detach.push(() => signal.removeEventListener("abort", onAbort));
  }
  if (timeoutMs !== undefined && fired === undefined) {
    const timer = setTimeout(() => fire("timeout"), timeoutMs);
    detach.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    cause: () => fired,
    dispose() {
      for (const d of detach.splice(0)) d();
    },
  };
}

/** Bridges a callback producer (onTextChunk) to an async iterator consumer, buffering what the consumer has not read. */
export interface ChunkQueue extends AsyncIterable<string> {
  push(text: string): void;
  end(): void;
  fail(error: unknown): void;
}

export function createChunkQueue(): ChunkQueue {
  const buffered: string[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  return {
    push(text) {
      if (done) return;
      buffered.push(text);
      notify();
    },
    end() {
      done = true;
      notify();
    },
    fail(error) {
      if (done) return;
      failure = { error };
      done = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      while (true) {
        const next = buffered.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (failure !== undefined) throw failure.error;
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
