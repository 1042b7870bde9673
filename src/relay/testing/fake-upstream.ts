/**
 * A fault-injecting OpenAI-compatible upstream for relay and reliability tests: the fake server of test/fixtures (a
 * real node:http server; SSE framed by hand, independently of src/providers/sse.ts) driven by named failure modes, so a
 * test reads as the incident it reproduces:
 *
 *   const upstream = await startFakeUpstream();                    // answers "ok" until told otherwise
 *   upstream.queue({ mode: "error", status: 500 }, { mode: "truncated-sse", afterChunks: 3 });
 *   await upstream.waitFor(() => upstream.closedEarly === 1);       // the relay's abort reached the socket
 *
 * Modes apply one per request (chat or embeddings), in order; afterwards `byModel[request.model]`, else `fallback`
 * (default "ok"), answers. `byModel` lets one upstream stand behind many routes at once, each target's model naming the
 * fault it meets (`{ upstream: faulty, model: hang }`), which is how the gateway's reliability suite drives it.
 */
import { startFakeOpenAiServer, type FakeBehaviour, type FakeOpenAiServer } from "../../../test/fixtures/fake-openai-server.ts";

export type UpstreamMode =
  /** 200: JSON, or SSE when the request streams (`chunks` content deltas `chunkDelayMs` apart, plus role, finish and usage chunks). */
  | { mode: "ok"; chunks?: number; chunkDelayMs?: number; usage?: boolean }
  /** An error status with an OpenAI-shaped body (500, 503, 401...). */
  | { mode: "error"; status: number; message?: string; retryAfter?: string }
  /** 429, with Retry-After when given ("1", "0.2", or an HTTP-date). */
  | { mode: "rate-limit"; retryAfter?: string }
  /** 400 with an OpenAI error body: the client's fault. */
  | { mode: "bad-request"; message?: string }
  /** The socket is destroyed before any byte, or `midBody`: after the headers and half the JSON (streams: one event). */
  | { mode: "reset"; midBody?: boolean }
  /** Headers never come; only the client's timeout or abort ends it. */
  | { mode: "hang" }
  /** SSE: the headers at once, then nothing for `delayMs`, then the events (a stall before the first token). */
  | { mode: "stall-after-headers"; delayMs: number }
  /** Nothing for `delayMs`, then `then` (default ok). */
  | { mode: "slow-first-byte"; delayMs: number; then?: UpstreamMode }
  /** SSE: `afterChunks` events, then the socket is destroyed mid-stream. */
  | { mode: "truncated-sse"; afterChunks?: number }
  /** SSE: `afterChunks` events, then a clean end without finish_reason or [DONE]. */
  | { mode: "unterminated-sse"; afterChunks?: number }
  /** 200 whose body is not JSON (or, streaming, an SSE event whose data is not JSON after `afterChunks`). */
  | { mode: "garbage-json"; afterChunks?: number }
  /** 200 with valid JSON that is no completion: an OpenAI error object under a 200 status, as some proxies send. */
  | { mode: "wrong-shape" };

/** Content of `n` deltas of exactly 4 characters each ("000 ", "001 ", ...), the fake's default chunk size. */
export function chunkText(n: number): string {
  let text = "";
  for (let i = 0; i < n; i++) text += `${String(i).padStart(3, "0")} `;
  return text;
}

export function behaviourFor(mode: UpstreamMode): FakeBehaviour {
  switch (mode.mode) {
    case "ok": {
      const behaviour: FakeBehaviour = { type: "answer", chunkSize: 4 };
      if (mode.chunks !== undefined) behaviour.text = chunkText(mode.chunks);
      if (mode.chunkDelayMs !== undefined) behaviour.chunkDelayMs = mode.chunkDelayMs;
      if (mode.usage !== undefined) behaviour.usage = mode.usage;
      return behaviour;
    }
    case "error":
      return { type: "error", status: mode.status, ...(mode.message === undefined ? {} : { message: mode.message }), ...(mode.retryAfter === undefined ? {} : { headers: { "retry-after": mode.retryAfter } }) };
    case "rate-limit":
      return mode.retryAfter === undefined ? { type: "rate-limit" } : { type: "rate-limit", retryAfter: mode.retryAfter };
    case "bad-request":
      return { type: "error", status: 400, message: mode.message ?? "Invalid value for 'temperature': must be between 0 and 2." };
    case "reset":
      return mode.midBody === true ? { type: "reset", afterChunks: 1 } : { type: "reset" };
    case "hang":
      return { type: "hang" };
    case "stall-after-headers":
      return { type: "answer", chunkSize: 4, firstEventDelayMs: mode.delayMs };
    case "slow-first-byte":
      return { type: "slow-first-byte", delayMs: mode.delayMs, then: behaviourFor(mode.then ?? { mode: "ok" }) };
    case "truncated-sse":
      return { type: "reset", afterChunks: mode.afterChunks ?? 2 };
    case "unterminated-sse":
      return { type: "truncated", afterChunks: mode.afterChunks ?? 2 };
    case "garbage-json":
      return mode.afterChunks === undefined ? { type: "malformed" } : { type: "malformed", afterChunks: mode.afterChunks };
    case "wrong-shape":
      return { type: "error", status: 200, message: "upstream overloaded, try again" };
  }
}

export interface FakeUpstreamOptions {
  /** Modes for the first requests, in order. */
  modes?: UpstreamMode[];
  /** What a request for this `model` gets once `modes` is used up (every time, not once). */
  byModel?: Record<string, UpstreamMode>;
  /** What every other request gets (default ok). */
  fallback?: UpstreamMode;
  /** Required `Authorization: Bearer` key, else 401. */
  apiKey?: string;
}

export interface FakeUpstream extends FakeOpenAiServer {
  queue(...modes: UpstreamMode[]): void;
  /** Sets (or, with undefined, removes) what requests for `model` get from now on: an upstream that recovers. */
  setModel(model: string, mode: UpstreamMode | undefined): void;
  /** Resolves once `predicate` holds (checked every 5 ms); rejects after `timeoutMs` so a test never hangs on it. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const fallback = behaviourFor(options.fallback ?? { mode: "ok" });
  const byModel = new Map(Object.entries(options.byModel ?? {}).map(([model, mode]) => [model, behaviourFor(mode)]));
  const server = await startFakeOpenAiServer({
    script: (options.modes ?? []).map(behaviourFor),
    handler: (request) => (request.model === undefined ? undefined : byModel.get(request.model)) ?? fallback,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  });
  return Object.assign(server, {
    queue(...modes: UpstreamMode[]): void {
      server.enqueue(...modes.map(behaviourFor));
    },
    setModel(model: string, mode: UpstreamMode | undefined): void {
      if (mode === undefined) byModel.delete(model);
      else byModel.set(model, behaviourFor(mode));
    },
    waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          if (predicate()) return resolve();
          if (Date.now() - started > timeoutMs) return reject(new Error(`fake upstream: condition not met within ${timeoutMs} ms`));
          setTimeout(check, 5);
        };
        check();
      });
    },
  });
}
