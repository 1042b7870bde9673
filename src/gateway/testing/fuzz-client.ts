/**
 * Test support for the fuzz suite: ways to send what no SDK would (arbitrary bytes, lying headers, raw HTTP on a socket),
 * and the one check every answer must pass: never a 5xx, and every 4xx an OpenAI error object.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import type { OpenApiValidator } from "./openapi-validator.ts";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** POSTs `body` as-is (fetch adds no content-type for bytes) and reads the whole answer, stream or not. */
export async function post(base: string, path: string, body: string | Uint8Array | ReadableStream<Uint8Array> | undefined, headers: Record<string, string> = {}): Promise<RawResponse> {
  const init: RequestInit & { duplex?: "half" } = { method: "POST", headers, ...(body !== undefined ? { body } : {}) };
  if (body instanceof ReadableStream) init.duplex = "half";
  const response = await fetch(`${base}${path}`, init);
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(at, eol).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** The first HTTP response in raw bytes read off a socket (undefined when nothing or no full header block came back). */
export function parseRawResponse(raw: Buffer): RawResponse | undefined {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine = "", ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"]?.includes("chunked") === true) body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  return { status, headers, body: body.toString("utf8") };
}

/**
 * Writes `request` (raw HTTP/1.1 bytes) on a fresh socket and returns the first response, or undefined when the server
 * sent none before closing or before `waitMs` (a server that waits for body bytes a lying Content-Length promised).
 * `halfClose` ends the client's side once written, as a client that has nothing more to send does.
 */
export function rawHttp(port: number, request: string | Uint8Array, options: { halfClose?: boolean; waitMs?: number } = {}): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1");
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(finish, options.waitMs ?? 1000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined); // a reset after the response is not the property under test
    socket.on("close", finish);
    socket.write(request, () => {
      if (options.halfClose === true) socket.end();
    });
  });
}

/**
 * The fuzz property on one answer: below 500, and a 4xx is OpenAI's ErrorResponse (a string message and type, `param`
 * and `code` present) so an SDK can raise its typed error. Returns the error object for further checks.
 */
export function checkAnswer(validator: OpenApiValidator, response: RawResponse, what: string): { message: string; type: string; param: string | null; code: string | null } | undefined {
  assert.ok(response.status < 500, `${what}: status ${response.status}: ${response.body.slice(0, 500)}`);
  if (response.status < 400) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    assert.fail(`${what}: a ${response.status} whose body is not JSON: ${JSON.stringify(response.body.slice(0, 200))}`);
  }
  validator.assertValid("ErrorResponse", parsed, `${what}: ${response.status}`);
  return (parsed as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
}

/** A label for a failing fuzz case that stays readable when the body is megabytes long. */
export function describeBody(body: string | Uint8Array | undefined): string {
  if (body === undefined) return "(no body)";
  const text = typeof body === "string" ? body : Buffer.from(body).toString("latin1");
  return text.length > 160 ? `${JSON.stringify(text.slice(0, 160))}… (${text.length} chars)` : JSON.stringify(text);
}
