/**
 * Server-Sent Events, parsed in one place and serialized in one place. Providers parse upstream streams with
 * `createSseParser`; the gateway writes its own streams with `serializeSse`, so framing rules (multi-line data, CR/LF
 * variants, comments used as keepalives) are decided once.
 *
 * Parsing follows the WHATWG "event stream interpretation" rules: lines end with CRLF, LF or CR; a blank line dispatches the
 * pending event; `data` lines accumulate joined by "\n"; a single space after the colon is dropped; comment lines (":...")
 * and unknown fields are ignored; an event with no data is not dispatched.
 */
import { FrugalError } from "../core/errors.ts";

export interface SseEvent {
  /** The `event:` field; "message" when absent, as browsers do. */
  event: string;
  data: string;
  id?: string;
  retry?: number;
}

export interface SseEnd {
  /**
   * An event whose data lines were complete but which was never closed by a blank line. The spec drops it; callers that
   * want to be lenient with servers that omit the final blank line (e.g. after `data: [DONE]`) may still read it.
   */
  unterminated: SseEvent | undefined;
  /** Bytes after the last line break: a line cut in the middle, the sign of a truncated stream. */
  partialLine: string;
}

export interface SseParser {
  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[];
  /** Call once at end of stream. */
  end(): SseEnd;
}

export function createSseParser(): SseParser {
  return new WhatwgSseParser();
}

/** A class, not closures in createSseParser: tsx names every closure it creates (~0.8 µs each), once per stream. */
class WhatwgSseParser implements SseParser {
  private buffer = "";
  private started = false;
  // A chunk that ends with "\r" may be the first half of a CRLF: the next chunk's leading "\n" must not count as a line.
  private skipLeadingLf = false;
  private eventType = "";
  private data: string[] = [];
  private id: string | undefined;
  private retry: number | undefined;

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0) {
      const event: SseEvent = { event: this.eventType === "" ? "message" : this.eventType, data: this.data.join("\n") };
      if (this.id !== undefined) event.id = this.id;
      if (this.retry !== undefined) event.retry = this.retry;
      out.push(event);
    }
    this.eventType = "";
    this.data = [];
    this.retry = undefined;
    // `id` persists across events (it is the stream's last event id), per the spec.
  }

  private processLine(line: string, out: SseEvent[]): void {
    if (line === "") return this.dispatch(out);
    if (line.charCodeAt(0) === 58 /* ":" */) return; // comment / keepalive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* " " */) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.eventType = value;
    else if (field === "id") {
      if (!value.includes("\u0000")) this.id = value;
    } else if (field === "retry") {
      if (/^\d+$/.test(value)) this.retry = Number(value);
    }
  }

  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (text === "") return out;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    // The carried-over buffer holds no line break, so scanning resumes where it ends: a long line split into many
    // chunks is scanned once, not once per chunk.
    let i = this.buffer.length;
    let buffer = this.buffer + text;
    let start = 0;
    if (!text.includes("\r")) {
      // The common case (LF only): jump from break to break with indexOf instead of testing every character, which
      // made this parser the largest cost of a relayed stream (bench/relay-overhead.ts).
      for (let nl = buffer.indexOf("\n", i); nl !== -1; nl = buffer.indexOf("\n", start)) {
        this.processLine(buffer.slice(start, nl), out);
        start = nl + 1;
      }
      this.buffer = start === 0 ? buffer : buffer.slice(start);
      return out;
    }
    for (; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.processLine(buffer.slice(start, i), out);
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    this.buffer = buffer;
    return out;
  }

  end(): SseEnd {
    const partialLine = this.buffer;
    this.buffer = "";
    const pending: SseEvent[] = [];
    this.dispatch(pending);
    return { unterminated: pending[0], partialLine };
  }
}

/** Parses a byte stream (an HTTP body) into events; the returned `end()` result is available after iteration finishes. */
export async function* parseSseStream(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent, SseEnd> {
  const parser = createSseParser();
  // One decoder for the whole stream, in streaming mode, so a multi-byte character split across chunks survives.
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of source) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    for (const event of parser.push(text)) yield event;
  }
  for (const event of parser.push(decoder.decode())) yield event;
  return parser.end();
}

export type SseOutgoing =
  | { data: string; event?: string; id?: string; retry?: number }
  | { comment: string };

function assertSingleLine(value: string, field: string): void {
  if (/[\r\n]/.test(value)) {
    throw new FrugalError("internal", `SSE ${field} must not contain a line break`, { details: { field } });
  }
}

/**
 * One event as wire text, terminated by the blank line that dispatches it. Multi-line data becomes several `data:` lines,
 * which the receiver joins back with "\n"; a comment (`{ comment: "keepalive" }`) is ignored by clients and keeps idle
 * connections and proxies from timing out.
 */
export function serializeSse(event: SseOutgoing): string {
  if ("comment" in event) {
    return event.comment.split(/\r\n|\r|\n/).map((line) => `: ${line}\n`).join("") + "\n";
  }
  let out = "";
  if (event.event !== undefined) {
    assertSingleLine(event.event, "event");
    out += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    assertSingleLine(event.id, "id");
    out += `id: ${event.id}\n`;
  }
  if (event.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(event.retry))}\n`;
  const data = event.data;
  if (!/[\r\n]/.test(data)) return `${out}data: ${data}\n\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** The terminator OpenAI-compatible streams end with. */
export const SSE_DONE = "[DONE]";
