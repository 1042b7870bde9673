/**
 * Bad input at the transport: empty bodies, random and hostile headers, bodies over the size limit (declared and
 * chunked), and HTTP framing lies written on raw sockets (a Content-Length that does not match, conflicting framing
 * headers, control characters). Properties: no 5xx, every 4xx an OpenAI error object, the gateway keeps answering.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { checkAnswer, post, rawHttp, type RawResponse } from "./testing/fuzz-client.ts";
import { createOpenApiValidator, type OpenApiValidator } from "./testing/openapi-validator.ts";
import { SURE_TEXT, startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

let gw: TestGateway;
let validator: OpenApiValidator;
let key: string;
const LIMIT = 1024 * 1024; // the default server.body_limit_bytes

before(async () => {
  validator = createOpenApiValidator();
  gw = await startTestGateway();
  key = await gw.createKey({ team: "acme" });
});
after(async () => {
  await gw?.close();
});

const ENDPOINTS = ["/v1/chat/completions", "/v1/tasks/intents", "/v1/embeddings"] as const;
const json = (extra: Record<string, string> = {}): Record<string, string> => ({ authorization: `Bearer ${key}`, "content-type": "application/json", ...extra });
const chatBody = JSON.stringify({ model: "intents", messages: [{ role: "user", content: SURE_TEXT }] });

async function healthy(): Promise<void> {
  const response = await fetch(`${gw.url}/healthz`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok" });
}

test("empty and blank bodies are 400 input_invalid on every endpoint", async () => {
  for (const path of ENDPOINTS) {
    for (const body of [undefined, "", "   \n\t "]) {
      const error = checkAnswer(validator, await post(gw.url, path, body, json()), `POST ${path} ${JSON.stringify(body)}`);
      assert.equal(error?.code, "input_invalid", `${path} ${JSON.stringify(body)}`);
    }
  }
});

/** Visible ASCII and spaces: what fetch lets through in a header value, so the gateway (not the client) is tested. */
const headerText = fc.string({ maxLength: 80, unit: fc.mapToConstant({ num: 95, build: (v) => String.fromCharCode(0x20 + v) }) });
const token = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_") });

test("random headers (authorization garbage, wrong content-type, odd ids, extra headers): no 5xx, 401 unless the key is right", async () => {
  const authorization = fc.oneof(
    fc.constant<string | undefined>(undefined),
    headerText,
    headerText.map((t) => `Bearer ${t}`),
    headerText.map((t) => `Basic ${Buffer.from(t).toString("base64")}`),
    fc.constantFrom("valid", "valid-lower", "valid-spaces", "valid-suffix", "valid-truncated"),
  );
  const contentType = fc.option(fc.oneof(fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "*/*"), headerText));
  const extra = fc.dictionary(token.map((t) => `x-fuzz-${t}`), headerText, { maxKeys: 5 });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS, "/v1/models"), authorization, contentType, fc.option(headerText), extra, async (path, auth, type, requestId, more) => {
      const headers: Record<string, string> = { ...more };
      const presented = { valid: `Bearer ${key}`, "valid-lower": `bearer ${key}`, "valid-spaces": `Bearer    ${key}  `, "valid-suffix": `Bearer ${key}x`, "valid-truncated": `Bearer ${key.slice(0, -1)}` }[auth ?? ""] ?? auth;
      if (presented !== undefined) headers.authorization = presented;
      if (type !== null) headers["content-type"] = type;
      if (requestId !== null) headers["x-request-id"] = requestId;
      const response = path === "/v1/models" ? await fetch(`${gw.url}${path}`, { headers }).then(async (r): Promise<RawResponse> => ({ status: r.status, headers: {}, body: await r.text() })) : await post(gw.url, path, path === "/v1/tasks/intents" ? JSON.stringify({ input: SURE_TEXT }) : chatBody, headers);
      checkAnswer(validator, response, `${path} with ${JSON.stringify(headers)}`);
      const keyIsRight = auth === "valid" || auth === "valid-lower" || auth === "valid-spaces";
      if (!keyIsRight) assert.equal(response.status, 401, `${path} with authorization ${JSON.stringify(presented)}`);
      // The body is the same valid request whatever the content-type says: the gateway reads JSON, as OpenAI does.
      else if (path !== "/v1/embeddings") assert.equal(response.status, 200, response.body);
    }),
    { numRuns: 150 },
  );
});

/** `size` bytes of a body that starts as a valid request of `path` and is padded with a string field. */
function paddedBody(path: string, size: number): Buffer {
  const base = path === "/v1/tasks/intents" ? { input: SURE_TEXT } : path === "/v1/embeddings" ? { model: "text-embedding-3-small", input: "x" } : JSON.parse(chatBody);
  const empty = Buffer.byteLength(JSON.stringify({ ...base, pad: "" }));
  return Buffer.from(JSON.stringify({ ...base, pad: "x".repeat(Math.max(0, size - empty)) }));
}

test("10 MB bodies are 413 payload_too_large, declared (Content-Length) or chunked, on every endpoint", async () => {
  for (const path of ENDPOINTS) {
    const body = paddedBody(path, 10 * 1024 * 1024);
    const declared = checkAnswer(validator, await post(gw.url, path, body, json()), `${path} 10 MB declared`);
    assert.equal(declared?.code, "payload_too_large");
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.length; at += 64 * 1024) controller.enqueue(body.subarray(at, at + 64 * 1024));
        controller.close();
      },
    });
    const streamed = checkAnswer(validator, await post(gw.url, path, chunked, json()), `${path} 10 MB chunked`);
    assert.equal(streamed?.code, "payload_too_large");
  }
  await healthy();
});

test("the body limit is exact: limit bytes are read, limit + 1 are refused", async () => {
  const atLimit = await post(gw.url, "/v1/tasks/intents", paddedBody("/v1/tasks/intents", LIMIT), json());
  assert.equal(atLimit.status, 200, atLimit.body.slice(0, 300));
  const over = checkAnswer(validator, await post(gw.url, "/v1/tasks/intents", paddedBody("/v1/tasks/intents", LIMIT + 1), json()), "limit + 1");
  assert.equal(over?.code, "payload_too_large");
});

/** Raw HTTP/1.1 requests whose framing lies, each a way a broken client or proxy gets it wrong. */
function framingLies(): Array<{ name: string; request: string; halfClose?: boolean }> {
  const head = (lines: string[]): string => [`POST /v1/chat/completions HTTP/1.1`, "Host: gateway", `Authorization: Bearer ${key}`, "Content-Type: application/json", "Connection: close", ...lines, "", ""].join("\r\n");
  const n = Buffer.byteLength(chatBody);
  return [
    { name: "Content-Length shorter than the body", request: head([`Content-Length: ${n - 20}`]) + chatBody },
    { name: "Content-Length longer than the body, then half-close", request: head([`Content-Length: ${n + 100}`]) + chatBody, halfClose: true },
    { name: "Content-Length zero with a body", request: head(["Content-Length: 0"]) + chatBody },
    { name: "negative Content-Length", request: head(["Content-Length: -5"]) + chatBody },
    { name: "non-numeric Content-Length", request: head(["Content-Length: abc"]) + chatBody },
    { name: "two conflicting Content-Lengths", request: head([`Content-Length: ${n}`, `Content-Length: ${n + 1}`]) + chatBody },
    { name: "Content-Length and chunked together", request: head([`Content-Length: ${n}`, "Transfer-Encoding: chunked"]) + chatBody },
    { name: "a chunk size that is not hex", request: `${head(["Transfer-Encoding: chunked"])}zz\r\n${chatBody}\r\n0\r\n\r\n` },
    { name: "a control character in a header value", request: head(["X-Fuzz: a\u0001b", `Content-Length: ${n}`]) + chatBody },
    { name: "a header line without a colon", request: head(["this is not a header", `Content-Length: ${n}`]) + chatBody },
    { name: "a 64 KiB header", request: head([`X-Fuzz: ${"a".repeat(64 * 1024)}`, `Content-Length: ${n}`]) + chatBody },
    { name: "a request line that is not HTTP", request: "GARBAGE\r\n\r\n" },
  ];
}

test("HTTP framing lies on raw sockets: never a 5xx, and the gateway keeps serving", async () => {
  for (const lie of framingLies()) {
    const response = await rawHttp(gw.gateway.port, lie.request, { halfClose: lie.halfClose === true, waitMs: 1500 });
    if (response !== undefined) assert.ok(response.status >= 400 && response.status < 500, `${lie.name}: status ${response.status}`);
  }
  // A Content-Length promising bytes that never come: the gateway waits for them (until Node's request timeout), and
  // meanwhile serves everyone else.
  const pending = rawHttp(gw.gateway.port, `POST /v1/chat/completions HTTP/1.1\r\nHost: g\r\nContent-Length: 100000\r\n\r\n{"model":`, { waitMs: 300 });
  await healthy();
  await pending;
  await healthy();
});

test("HTTP framing errors are answered with an OpenAI error object, as every other 4xx", async () => {
  const failures: string[] = [];
  for (const lie of framingLies()) {
    const response = await rawHttp(gw.gateway.port, lie.request, { halfClose: lie.halfClose === true, waitMs: 1500 });
    if (response === undefined || response.status < 400) continue;
    try {
      checkAnswer(validator, response, lie.name);
    } catch (error) {
      failures.push(`${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
    }
  }
  assert.deepEqual(failures, [], "Node's default clientError handler answers a bare `400 Bad Request` with no body");
});

test("an endless chunked body gets its 413 and the connection is closed, not left blocked", async () => {
  const { connect } = await import("node:net");
  const port = Number(new URL(gw.url).port);
  const outcome = await new Promise<{ status: string; closed: boolean }>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let status = "";
    const chunk = `${(64 * 1024).toString(16)}\r\n${"a".repeat(64 * 1024)}\r\n`;
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on("connect", () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      pump();
    });
    socket.on("drain", pump);
    socket.on("data", (data) => (status ||= data.toString("latin1").split("\r\n")[0] ?? ""));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve({ status, closed: true }));
    setTimeout(() => {
      socket.destroy();
      resolve({ status, closed: false });
    }, 5000).unref();
  });
  assert.match(outcome.status, /^HTTP\/1\.1 413/);
  assert.equal(outcome.closed, true, "the gateway closed the connection after its 413");
  await healthy();
});
