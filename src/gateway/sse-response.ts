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

export function sseResponse(source: AsyncIterable<SseOutgoing> | Iterable<SseOutgoing>, options: SseResponseOptions): Response {
  let iterator: AsyncIterator<SseOutgoing> | Iterator<SseOutgoing> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let released = false;
  if (options.inFlight !== undefined) options.inFlight.count++;
  const release = () => {
    if (released) return;
    released = true;
    if (options.inFlight !== undefined) options.inFlight.count--;
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    options.onClose?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let lastWrite = Date.now();
      timer = setInterval(() => {
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
            if (next.done === true || closed) break;
            controller.enqueue(encoder.encode(serializeSse(next.value)));
            lastWrite = Date.now();
          }
          if (!closed) controller.close();
        } catch (error) {
          if (!closed) controller.error(error);
        } finally {
          finish();
          release();
        }
      })();
    },
    async cancel() {
      // The client disconnected: stop the source (its finally blocks abort the upstream request).
      finish();
      try {
        await iterator?.return?.();
      } finally {
        release();
      }
    },
  });
  return new Response(body, { status: 200, headers: extend(SSE_HEADERS, options.headers ?? {}) });
}
