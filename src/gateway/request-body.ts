/**
 * Reading a request body safely: a size cap enforced while reading (a declared Content-Length over the cap is refused
 * before a byte is read), strict UTF-8, and JSON that must be an object. Every failure is a 4xx in the error family, so
 * fuzzed or hostile bodies can never reach a handler as anything but a plain object, nor crash the process.
 */
import type { IncomingMessage } from "node:http";
import { FrugalError } from "../core/errors.ts";
import { invalidRequest } from "./openai-errors.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Deeper bodies are refused: JSON.parse copes with any depth, but everything after it that recurses (JSON.stringify to
 * forward a body, hashing a cache key) would overflow the stack. No OpenAI request is near this deep.
 */
export const MAX_JSON_DEPTH = 256;

/** Nesting depth of a parsed value, without recursion (the value may be deeper than the stack allows). */
function depthOver(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

function tooLarge(limit: number): FrugalError {
  return new FrugalError("payload_too_large", `request body larger than ${limit} bytes (server.body_limit_bytes)`);
}

/** Where a body is read from: Node's request on the real server (no Web Request is built), or a Web Request. */
export type BodySource = Request | IncomingMessage;

/** A Web Request's body (tests that call app.request() without a server). */
async function readWebBody(source: Request, limit: number): Promise<Uint8Array> {
  const body = source.body;
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Stop reading at once: a 10 MB body must not be buffered to be refused.
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

/**
 * Node's request, read with 'data'/'end' listeners: an async iterator over the stream costs several times more per
 * request (bench/gateway.ts profile). Past the limit, reading stops (nothing more is buffered) and the request is
 * paused; once the 413 is sent, @hono/node-server drains what is left for at most 500 ms / 64 MiB and then closes the
 * connection, so the client reads its answer instead of a reset (fuzz-transport.test.ts, "endless chunked body").
 */
function readNodeBody(source: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (source.readableEnded) return Promise.resolve(new Uint8Array(0));
  if (source.destroyed) return Promise.reject(prematureClose());
  return new Promise((resolve, reject) => new NodeBodyReader(source, limit, resolve, reject));
}

/**
 * One body being read. A class with its listeners assigned in the constructor, not closures in a function: tsx (esbuild's
 * keepNames) names every `const f = () => …` each time it is created, ~0.8 µs apiece, and a request made five of them.
 */
class NodeBodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly onData: (chunk: Buffer) => void;
  private readonly onEnd: () => void;
  private readonly onError: (error: Error) => void;
  private readonly onClose: () => void;

  constructor(
    private readonly source: IncomingMessage,
    private readonly limit: number,
    resolve: (bytes: Uint8Array) => void,
    reject: (error: Error) => void,
  ) {
    this.onData = (chunk) => {
      this.size += chunk.byteLength;
      if (this.size > this.limit) {
        this.stop();
        this.source.pause();
        reject(tooLarge(this.limit));
        return;
      }
      this.chunks.push(chunk);
    };
    this.onEnd = () => {
      this.stop();
      resolve(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
    };
    this.onError = (error) => {
      this.stop();
      reject(error);
    };
    this.onClose = () => {
      this.stop();
      reject(prematureClose());
    };
    source.on("data", this.onData);
    source.on("end", this.onEnd);
    source.on("error", this.onError);
    source.on("close", this.onClose);
  }

  private stop(): void {
    this.source.off("data", this.onData);
    this.source.off("end", this.onEnd);
    this.source.off("error", this.onError);
    this.source.off("close", this.onClose);
  }
}

export async function readBodyText(source: BodySource, limit: number): Promise<string> {
  const declared = source instanceof Request ? source.headers.get("content-length") : source.headers["content-length"];
  if (declared !== null && declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const bytes = source instanceof Request ? await readWebBody(source, limit) : await readNodeBody(source, limit);
  try {
    return decoder.decode(bytes);
  } catch {
    throw invalidRequest("request body is not valid UTF-8");
  }
}

/** Whether a JSON text has more than `limit` opening brackets: if not, it cannot be nested deeper than that. */
function mayBeDeeperThan(text: string, limit: number): boolean {
  let openers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 123 || c === 91) && ++openers > limit) return true; // { [
  }
  return false;
}

/** The body as a JSON object; arrays, scalars and malformed JSON are 400s. */
export async function readJsonObject(request: BodySource, limit: number): Promise<Record<string, unknown>> {
  const text = await readBodyText(request, limit);
  if (text.trim() === "") throw invalidRequest("request body is empty: expected a JSON object");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // A RangeError here is a body nested too deep for the parser: still the client's mistake.
    throw invalidRequest(`request body is not valid JSON (${error instanceof Error ? error.message.slice(0, 120) : "parse error"})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw invalidRequest("request body must be a JSON object");
  if (mayBeDeeperThan(text, MAX_JSON_DEPTH) && depthOver(parsed, MAX_JSON_DEPTH)) throw invalidRequest(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed as Record<string, unknown>;
}
