/**
 * Conformance of failures: each error status the gateway answers surfaces in the official `openai` SDK as its typed
 * error (BadRequestError, AuthenticationError, PermissionDeniedError, NotFoundError, RateLimitError…) with `code` set to
 * the gateway's stable code, and every error body is OpenAI's ErrorResponse (validated by the recording fetch).
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import OpenAI from "openai";
import { createRecordingFetch, validateAll } from "./testing/conformance-client.ts";
import { createOpenApiValidator, type OpenApiValidator } from "./testing/openapi-validator.ts";
import { SURE_TEXT, startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

const BODY_LIMIT = 4096;

let gw: TestGateway;
let validator: OpenApiValidator;
let key: string;
const recorder = createRecordingFetch();
let checked = 0;

const clientFor = (apiKey: string): OpenAI => new OpenAI({ apiKey, baseURL: gw.baseURL, maxRetries: 0, fetch: recorder.fetch });
const chat = (model: string, content = "hello"): OpenAI.ChatCompletionCreateParamsNonStreaming => ({ model, messages: [{ role: "user", content }] });

before(async () => {
  validator = createOpenApiValidator();
  gw = await startTestGateway({ config: { server: { port: 0, drain_ms: 2000, sse_keepalive_ms: 200, body_limit_bytes: BODY_LIMIT } } });
  key = await gw.createKey({ team: "acme" });
});
afterEach(async () => {
  checked += await validateAll(validator, recorder);
});
after(async () => {
  await gw?.close();
});

/** Runs `call`, which must fail with the SDK error class `type`, the HTTP `status` and the gateway's `code`. */
async function expectError<T extends InstanceType<typeof OpenAI.APIError>>(call: () => Promise<unknown>, type: new (...args: never[]) => T, status: number, code: string | null): Promise<T> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.code, code, error.message);
    assert.equal(typeof (error.error as { message?: unknown } | undefined)?.message, "string");
    return error;
  }
  assert.fail(`expected ${type.name} (${status} ${code}), the call succeeded`);
}

test("400: a body the gateway cannot act on is a BadRequestError naming the field", async () => {
  const client = clientFor(key);
  const empty = await expectError(() => client.chat.completions.create({ model: "gpt-4o", messages: [] }), OpenAI.BadRequestError, 400, "input_invalid");
  assert.equal(empty.param, "messages");
  const temperature = await expectError(() => client.chat.completions.create({ ...chat("gpt-4o"), temperature: -1 }), OpenAI.BadRequestError, 400, "input_invalid");
  assert.equal(temperature.param, "temperature");
  const noUser = await expectError(() => client.chat.completions.create({ model: "intents", messages: [{ role: "system", content: "hi" }] }), OpenAI.BadRequestError, 400, "input_invalid");
  assert.equal(noUser.param, "messages");
});

test("400: personal data on a route whose policy is block is refused before any upstream sees it", async () => {
  const calls = gw.a.requests.length;
  await expectError(() => clientFor(key).chat.completions.create(chat("secret-route", "write to jane.doe@example.com")), OpenAI.BadRequestError, 400, "pii_detected");
  assert.equal(gw.a.requests.length, calls);
});

test("401: no key, and a key the gateway never issued, are AuthenticationErrors", async () => {
  const client = clientFor(key);
  await expectError(() => client.chat.completions.create(chat("gpt-4o"), { headers: { Authorization: null } }), OpenAI.AuthenticationError, 401, "unauthorized");
  await expectError(() => clientFor("fk-0000-not-a-real-key").chat.completions.create(chat("gpt-4o")), OpenAI.AuthenticationError, 401, "unauthorized");
  await expectError(() => clientFor("sk-garbage").models.list(), OpenAI.AuthenticationError, 401, "unauthorized");
});

test("403: a key allowed only a task may not call a route (and may call its task)", async () => {
  const client = clientFor(await gw.createKey({ team: "acme", allow: ["intents"] }));
  const denied = await expectError(() => client.chat.completions.create(chat("gpt-4o")), OpenAI.PermissionDeniedError, 403, "forbidden");
  assert.equal(denied.param, "model");
  const allowed = await client.chat.completions.create(chat("intents", SURE_TEXT));
  assert.equal(allowed.choices[0]?.message.content, "card_arrival");
});

test("404: an unknown model is a NotFoundError naming what exists", async () => {
  const missing = await expectError(() => clientFor(key).chat.completions.create(chat("gpt-17")), OpenAI.NotFoundError, 404, "not_found");
  assert.equal(missing.param, "model");
  assert.match(missing.message, /intents/);
  await expectError(() => clientFor(key).embeddings.create({ model: "no-such-embedder", input: "x", encoding_format: "float" }), OpenAI.NotFoundError, 404, "not_found");
});

test("413: a body over server.body_limit_bytes is an APIError with status 413", async () => {
  const calls = gw.a.requests.length;
  const error = await expectError(() => clientFor(key).chat.completions.create(chat("gpt-4o", "x".repeat(BODY_LIMIT))), OpenAI.APIError, 413, "payload_too_large");
  assert.equal(error.constructor, OpenAI.APIError, "the SDK has no class of its own for 413");
  assert.equal(gw.a.requests.length, calls);
});

test("429: a key over its rpm gets a RateLimitError with Retry-After", async () => {
  const client = clientFor(await gw.createKey({ team: "acme", rpm: 1 }));
  await client.chat.completions.create(chat("intents", SURE_TEXT));
  const limited = await expectError(() => client.chat.completions.create(chat("intents", SURE_TEXT)), OpenAI.RateLimitError, 429, "rate_limited");
  const retryAfter = Number(limited.headers?.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${limited.headers?.get("retry-after")}`);
});

test("429: a key whose budget cannot cover the request's maximum cost gets a RateLimitError budget_exceeded", async () => {
  const calls = gw.a.requests.length;
  const client = clientFor(await gw.createKey({ team: "acme", budgetUsd: 0.000001, period: "day" }));
  const over = await expectError(() => client.chat.completions.create(chat("gpt-4o")), OpenAI.RateLimitError, 429, "budget_exceeded");
  assert.match(over.message, /budget/);
  assert.equal(gw.a.requests.length, calls, "a rejected request never reaches the upstream");
});

test("an upstream's own 4xx is relayed as the SDK's typed error, not retried on the fallback", async () => {
  const calls = gw.b.requests.length;
  gw.a.enqueue({ type: "error", status: 400, message: "unsupported parameter" });
  const error = await expectError(() => clientFor(key).chat.completions.create(chat("gpt-4o", "relay my 400")), OpenAI.BadRequestError, 400, null);
  assert.match(error.message, /unsupported parameter/);
  assert.equal(gw.b.requests.length, calls);
});

test("every upstream of a route failing is a 5xx InternalServerError in OpenAI's shape", async () => {
  gw.a.enqueue({ type: "error", status: 500 });
  gw.b.enqueue({ type: "error", status: 503 });
  try {
    await clientFor(key).chat.completions.create(chat("gpt-4o", "all down"));
    assert.fail("the call succeeded");
  } catch (error) {
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.ok(error.status >= 500);
    assert.equal(typeof error.code, "string");
  }
});

test("every error above was validated against the OpenAPI document", () => {
  assert.ok(checked >= 14, `only ${checked} error bodies were validated`);
});

test("every error carries x-frugal-request-id: the client's x-request-id when it sent a sane one, else a fresh id", async () => {
  const sent = await fetch(`${gw.baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-request-id": "trace-0042-abc" },
    body: JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(sent.status, 404);
  assert.equal(sent.headers.get("x-frugal-request-id"), "trace-0042-abc");
  await sent.text();
  const unauthenticated = await fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(unauthenticated.status, 401);
  assert.match(unauthenticated.headers.get("x-frugal-request-id") ?? "", /^[0-9a-f-]{36}$/);
  await unauthenticated.text();
});
