import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { httpError, redact, transportError, upstreamMessage } from "./errors.ts";
import { buildBody, modelPrefix, parseChunk, parseCompletion } from "./wire.ts";

const parts = { modelPrefix: modelPrefix("m"), supportsLogprobs: true };
const messages = [{ role: "user" as const, content: 'say "hi"\n' }];

describe("buildBody", () => {
  it("produces the same JSON as serializing the request object", () => {
    const body = buildBody(parts, { messages, maxTokens: 5, temperature: 0, logprobs: true }, true, undefined);
    assert.deepEqual(JSON.parse(body), {
      model: "m",
      messages,
      max_tokens: 5,
      temperature: 0,
      logprobs: true,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("omits logprobs when the server does not support them, and honours a per-request model", () => {
    const body = JSON.parse(buildBody({ ...parts, supportsLogprobs: false }, { messages, logprobs: true, model: "big" }, false, undefined));
    assert.equal(body.logprobs, undefined);
    assert.equal(body.model, "big");
  });

  it("conveys a schema natively, as JSON mode, or as instructions only", () => {
    const jsonSchema = { name: "r", schema: { type: "object" } };
    const native = JSON.parse(buildBody(parts, { messages, jsonSchema }, false, "json_schema"));
    assert.deepEqual(native.response_format, { type: "json_schema", json_schema: { name: "r", schema: { type: "object" }, strict: true } });
    assert.deepEqual(native.messages, messages);
    const jsonMode = JSON.parse(buildBody(parts, { messages, jsonSchema }, false, "json_object"));
    assert.deepEqual(jsonMode.response_format, { type: "json_object" });
    assert.equal(jsonMode.messages[0].role, "system");
    const prompt = JSON.parse(buildBody(parts, { messages, jsonSchema }, false, "prompt"));
    assert.equal(prompt.response_format, undefined);
    assert.match(prompt.messages[0].content, /\{"type":"object"\}/);
  });
});

describe("parseCompletion / parseChunk", () => {
  it("reads text, finish reason, usage and logprobs", () => {
    const parsed = parseCompletion(
      JSON.stringify({
        model: "x",
        choices: [{ message: { content: "ok" }, finish_reason: "function_call", logprobs: { content: [{ logprob: -1 }, { logprob: -2 }] } }],
        usage: { prompt_tokens: 3, completion_tokens: 1 },
      }),
      "e",
      undefined,
    );
    assert.deepEqual(parsed, { text: "ok", model: "x", finishReason: "tool_calls", usage: { inputTokens: 3, outputTokens: 1 }, tokenLogprobs: [-1, -2] });
  });

  it("turns a null content into empty text and an unknown finish reason into unknown", () => {
    const parsed = parseCompletion('{"choices":[{"message":{"content":null},"finish_reason":"eos"}]}', "e", undefined);
    assert.equal(parsed.text, "");
    assert.equal(parsed.finishReason, "unknown");
    assert.equal(parsed.usage, undefined);
  });

  it("rejects bodies that are not completions, and in-band errors, as provider_error", () => {
    assert.throws(() => parseCompletion("<html>", "e", undefined), { code: "provider_error", message: /malformed JSON/ });
    assert.throws(() => parseCompletion('{"choices":[]}', "e", undefined), { code: "provider_error", message: /without choices/ });
    assert.throws(() => parseCompletion('{"error":{"message":"model sk-1 overloaded"}}', "e", "sk-1"), {
      code: "provider_error",
      message: "e reported an error: model [redacted] overloaded",
    });
    assert.throws(() => parseChunk('{"error":"boom"}', "e", undefined), { code: "provider_error", message: /boom/ });
    assert.throws(() => parseChunk("{oops", "e", undefined), { code: "provider_error", message: /malformed SSE event/ });
  });

  it("reads a usage-only final chunk and skips empty deltas", () => {
    const usage = parseChunk('{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2}}', "e", undefined);
    assert.deepEqual(usage.usage, { inputTokens: 4, outputTokens: 2 });
    const empty = parseChunk('{"choices":[{"delta":{"role":"assistant","content":""}}]}', "e", undefined);
    assert.equal(empty.text, undefined);
  });
});

describe("upstream error mapping", () => {
  it("extracts messages from the shapes servers use", () => {
    assert.equal(upstreamMessage('{"error":{"message":"a"}}'), "a");
    assert.equal(upstreamMessage('{"error":"b"}'), "b");
    assert.equal(upstreamMessage('{"message":"c"}'), "c");
    assert.equal(upstreamMessage('{"detail":"d"}'), "d");
    assert.equal(upstreamMessage("plain text"), "plain text");
    assert.equal(upstreamMessage("x".repeat(600)).length, 501);
  });

  it("maps statuses to codes", () => {
    const at = (status: number, retryAfter?: string) => httpError({ status, body: "", retryAfter, endpoint: "e", apiKey: undefined });
    assert.equal(at(429, "3").code, "rate_limited");
    assert.equal(at(429, "3").retryAfterMs, 3000);
    assert.equal(at(408).code, "provider_timeout");
    assert.equal(at(502).code, "upstream_unavailable");
    assert.equal(at(503, "2").retryAfterMs, 2000);
    assert.equal(at(401).code, "provider_error");
    assert.equal(at(404).retryable, false);
  });

  it("maps transport failures to codes", () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(transportError(err("ECONNREFUSED"), "e", undefined).code, "upstream_unavailable");
    assert.equal(transportError(err("UND_ERR_SOCKET"), "e", undefined).code, "upstream_unavailable");
    assert.equal(transportError(err("UND_ERR_HEADERS_TIMEOUT"), "e", undefined).code, "provider_timeout");
    assert.equal(transportError(err("UND_ERR_BODY_TIMEOUT"), "e", undefined).code, "provider_timeout");
    assert.equal(transportError(err("UND_ERR_DESTROYED"), "e", undefined).code, "provider_error");
    assert.equal(redact("key=sk-9 and sk-9", "sk-9"), "key=[redacted] and [redacted]");
  });
});
