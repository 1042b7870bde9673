import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createSseParser, parseSseStream, serializeSse, type SseEvent } from "./sse.ts";

function parseAll(chunks: string[]): { events: SseEvent[]; end: ReturnType<ReturnType<typeof createSseParser>["end"]> } {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  return { events, end: parser.end() };
}

/** Splits `text` at the given cut points (sorted, deduplicated, inside the string). */
function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

describe("createSseParser", () => {
  it("parses data lines, event names, ids and comments", () => {
    const { events } = parseAll([": keepalive\n", "event: delta\nid: 7\ndata: {\"a\":1}\n\n", "data: second\n\n"]);
    assert.deepEqual(events, [
      { event: "delta", data: '{"a":1}', id: "7" },
      // The id persists: it is the stream's last event id.
      { event: "message", data: "second", id: "7" },
    ]);
  });

  it("joins multi-line data with LF and accepts CRLF, CR and LF line ends", () => {
    const { events } = parseAll(["data: one\r\ndata: two\rdata:three\n\r\n"]);
    assert.deepEqual(events, [{ event: "message", data: "one\ntwo\nthree" }]);
  });

  it("treats a CRLF split across two chunks as one line break", () => {
    const { events } = parseAll(["data: a\r", "\ndata: b\r", "\n\r", "\n"]);
    assert.deepEqual(events, [{ event: "message", data: "a\nb" }]);
  });

  it("does not dispatch events without data, and strips one leading space only", () => {
    const { events } = parseAll(["event: ping\n\n", "data:  two spaces\n\n", "retry: 3000\ndata\n\n"]);
    assert.deepEqual(events, [
      { event: "message", data: " two spaces" },
      { event: "message", data: "", retry: 3000 },
    ]);
  });

  it("reports an unterminated event and a cut line at the end of the stream", () => {
    const { events, end } = parseAll(["data: first\n\n", "data: [DONE]\n", "data: {\"cho"]);
    assert.deepEqual(events, [{ event: "message", data: "first" }]);
    assert.deepEqual(end.unterminated, { event: "message", data: "[DONE]" });
    assert.equal(end.partialLine, 'data: {"cho');
  });

  it("strips a byte-order mark at the start of the stream only", () => {
    const { events } = parseAll(["\uFEFFdata: x\n\n", "data: \uFEFFy\n\n"]);
    assert.deepEqual(events.map((e) => e.data), ["x", "\uFEFFy"]);
  });
});

describe("parseSseStream", () => {
  it("decodes multi-byte characters split across byte chunks", async () => {
    const bytes = new TextEncoder().encode("data: café ☕\n\n");
    const cut = bytes.indexOf(0xe2) + 1; // inside the 3-byte "☕"
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes.slice(0, cut);
      yield bytes.slice(cut);
    }
    const events: SseEvent[] = [];
    for await (const event of parseSseStream(source())) events.push(event);
    assert.deepEqual(events, [{ event: "message", data: "café ☕" }]);
  });
});

describe("serializeSse", () => {
  it("writes one event terminated by a blank line", () => {
    assert.equal(serializeSse({ data: '{"x":1}' }), 'data: {"x":1}\n\n');
    assert.equal(serializeSse({ event: "e", id: "1", retry: 5, data: "a\nb" }), "event: e\nid: 1\nretry: 5\ndata: a\ndata: b\n\n");
    assert.equal(serializeSse({ comment: "keepalive" }), ": keepalive\n\n");
  });

  it("refuses a line break in the event name or id", () => {
    assert.throws(() => serializeSse({ event: "a\nb", data: "x" }), { code: "internal" });
    assert.throws(() => serializeSse({ id: "a\rb", data: "x" }), { code: "internal" });
  });

  it("round-trips any data through the parser, however the wire is chunked", () => {
    const eventArb = fc.record(
      {
        data: fc.string({ unit: "binary", maxLength: 40 }),
        event: fc.stringMatching(/^[a-z]{1,8}$/),
        id: fc.stringMatching(/^[0-9a-z]{1,6}$/),
      },
      { requiredKeys: ["data"] },
    );
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (events, cuts, comments) => {
        const wire = events.map((e) => (comments ? serializeSse({ comment: "ka" }) : "") + serializeSse(e)).join("");
        const { events: parsed, end } = parseAll(splitAt(wire, cuts));
        let lastId: string | undefined;
        const expected = events.map((e) => {
          lastId = e.id ?? lastId;
          const out: SseEvent = { event: e.event ?? "message", data: e.data.replace(/\r\n|\r/g, "\n") };
          if (lastId !== undefined) out.id = lastId;
          return out;
        });
        assert.deepEqual(parsed, expected);
        assert.equal(end.partialLine, "");
        assert.equal(end.unterminated, undefined);
      }),
      { numRuns: 300 },
    );
  });
});
