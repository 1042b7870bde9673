/**
 * Pull-based SSE reading over an HTTP body, on the shared parser (src/providers/sse.ts). Unlike `parseSseStream` (an
 * async generator, one await per event), events already parsed are taken synchronously and the body is read only when
 * none is left: a relayed stream then costs one async step per network chunk, not one per event, and it is the only
 * generator between the socket and the gateway.
 */
import { createSseParser, type SseEvent } from "../providers/sse.ts";

export class SseReader {
  /** The body has ended and every event it held has been buffered. */
  ended = false;
  private queue: SseEvent[] = [];
  private index = 0;
  private readonly parser = createSseParser();
  // One decoder in streaming mode for the whole body, so a multi-byte character split across chunks survives.
  private readonly decoder = new TextDecoder("utf-8");
  private readonly chunks: AsyncIterator<Uint8Array | string>;

  constructor(body: AsyncIterable<Uint8Array | string>) {
    this.chunks = body[Symbol.asyncIterator]();
  }

  /** The next buffered event, or undefined when none is buffered (then `fill()`, unless `ended`). */
  shift(): SseEvent | undefined {
    return this.index < this.queue.length ? this.queue[this.index++] : undefined;
  }

  /** Reads the body until at least one event is buffered or it ends. */
  async fill(): Promise<void> {
    while (this.index >= this.queue.length && !this.ended) {
      const step = await this.chunks.next();
      if (step.done === true) {
        this.ended = true;
        const tail = this.parser.push(this.decoder.decode());
        // Servers that omit the blank line after their last event: the completed data lines still count.
        const { unterminated } = this.parser.end();
        if (unterminated !== undefined) tail.push(unterminated);
        this.take(tail);
        return;
      }
      const chunk = step.value;
      this.take(this.parser.push(typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true })));
    }
  }

  /** Stops reading; an unfinished body is destroyed, which frees (or closes) its connection. */
  async close(): Promise<void> {
    this.ended = true;
    await this.chunks.return?.();
  }

  private take(events: SseEvent[]): void {
    this.queue = events;
    this.index = 0;
  }
}
