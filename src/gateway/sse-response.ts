/**
 * The gateway's one SSE writer: events come from an async source (a relayed upstream stream, or a task answer cut into
 * chunks), go out through src/providers/sse.ts's serializer, with a keep-alive comment whenever the stream has been quiet
 * for `keepAliveMs` (proxies and load balancers close idle connections; OpenAI clients ignore comments). When the client
 * goes away the source is closed, which aborts the upstream call.
 */
import { extend } from "../core/objects.ts";
import { serializeSse, type SseOutgoing } from "../providers/sse.ts";

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

export interface SseResponseOptions {
  keepAliveMs: number;
  headers: Record<string, string>;
  onClose?: () => void;
  /**
   * The gateway's in-flight count: a stream counts until its source is done (its ledger row written), not merely until
   * the handler returned the Response, so a drain on SIGTERM waits for the streams still flowing.
   */
  inFlight?: { count: number };
}

/**
 * Whether the stream is over (for the keep-alive timer and the close callback) and whether it still counts in flight. A
 * class, not closures in sseResponse: tsx names every closure it creates (~0.8 µs each), and this runs once per stream.
 */
class StreamLifecycle {
  timer: NodeJS.Timeout | undefined;
  closed = false;
  private released = false;

  constructor(private readonly options: SseResponseOptions) {
    if (options.inFlight !== undefined) options.inFlight.count++;
  }

  /** The stream no longer counts in flight (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.options.inFlight !== undefined) this.options.inFlight.count--;
  }

  /** No more writes: the keep-alive stops, the close callback runs (once). */
  finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.options.onClose?.();
  }
}

export function sseResponse(source: AsyncIterable<SseOutgoing> | Iterable<SseOutgoing>, options: SseResponseOptions): Response {
  let iterator: AsyncIterator<SseOutgoing> | Iterator<SseOutgoing> | undefined;
  const life = new StreamLifecycle(options);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let lastWrite = Date.now();
      life.timer = setInterval(() => {
        if (Date.now() - lastWrite >= options.keepAliveMs) {
          controller.enqueue(encoder.encode(serializeSse({ comment: "keep-alive" })));
          lastWrite = Date.now();
        }
      }, Math.max(50, Math.floor(options.keepAliveMs / 2)));
      iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
      void (async () => {
        try {
          for (;;) {
            const next = await iterator!.next();
            if (next.done === true || life.closed) break;
            controller.enqueue(encoder.encode(serializeSse(next.value)));
            lastWrite = Date.now();
          }
          if (!life.closed) controller.close();
        } catch (error) {
          if (!life.closed) controller.error(error);
        } finally {
          life.finish();
          life.release();
        }
      })();
    },
    async cancel() {
      // The client disconnected: stop the source (its finally blocks abort the upstream request).
      life.finish();
      try {
        await iterator?.return?.();
      } finally {
        life.release();
      }
    },
  });
  return new Response(body, { status: 200, headers: extend(SSE_HEADERS, options.headers ?? {}) });
}
