import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { lastUserText, startFakeOpenAiServer, type FakeOpenAiServer, type FakeOpenAiServerOptions } from "../../../test/fixtures/fake-openai-server.ts";
import { isFrugalError } from "../../core/errors.ts";
import type { ChatRequest, Provider, StreamPart } from "../types.ts";
import { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from "./index.ts";

const schema = {
  name: "intent",
  schema: { type: "object", properties: { label: { type: "string", enum: ["card_lost", "refund"] } }, required: ["label"], additionalProperties: false },
};
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: "user", content }], ...extra });
const askSchema = (extra: Partial<ChatRequest> = {}): ChatRequest => ask("I lost my card", { jsonSchema: schema, ...extra });

describe("openai-compatible provider: protocol features", () => {
  const servers: FakeOpenAiServer[] = [];
  const providers: Provider[] = [];
  const setup = async (
    serverOptions: FakeOpenAiServerOptions = {},
    options: Partial<OpenAiCompatibleOptions> = {},
  ): Promise<{ server: FakeOpenAiServer; provider: Provider }> => {
    const server = await startFakeOpenAiServer(serverOptions);
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url, model: "fake-model", ...options });
    servers.push(server);
    providers.push(provider);
    return { server, provider };
  };
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.close()));
  });

  it("sends the model, messages, limits, the key and custom headers", async () => {
    const { server, provider } = await setup({ apiKey: "sk-test" }, { apiKey: "sk-test", headers: { "x-team": "risk" } });
    await provider.chat(ask("hi", { maxTokens: 7, temperature: 0.2, model: "other-model" }));
    const request = server.requests.at(-1);
    assert.equal(request?.headers.authorization, "Bearer sk-test");
    assert.equal(request?.headers["x-team"], "risk");
    assert.deepEqual(request?.body, { model: "other-model", messages: [{ role: "user", content: "hi" }], max_tokens: 7, temperature: 0.2, stream: false });
  });

  it("keeps the base URL's path and query (Azure's api-version)", async () => {
    const { server } = await setup();
    const provider = createOpenAiCompatibleProvider({ baseUrl: `${server.url}?api-version=2024-10-21`, model: "m" });
    providers.push(provider);
    // The fake routes on the path alone, so the request succeeds only if the query was appended after the route.
    await provider.chat(ask("hi"));
    assert.equal(server.requests.at(-1)?.path, "/v1/chat/completions");
  });

  it("answers with a function of the request (how the PoC scripts labels)", async () => {
    const { provider } = await setup({ answer: (request) => (lastUserText(request).includes("card") ? "card_lost" : "refund") });
    assert.equal((await provider.chat(ask("I lost my card"))).text, "card_lost");
    assert.equal((await provider.chat(ask("money back please"))).text, "refund");
  });

  it("reuses keep-alive connections across sequential calls", async () => {
    const { server, provider } = await setup();
    // undici may open a second socket while the very first one is being marked idle; after that, no new connections.
    for (let i = 0; i < 3; i++) await provider.chat(ask(`warm-up ${i}`));
    const warm = server.connections;
    for (let i = 0; i < 10; i++) await provider.chat(ask(`call ${i}`));
    assert.equal(server.connections, warm);
    assert.ok(warm <= 2, `${warm} connections for sequential calls`);
  });

  it("sends response_format json_schema with strict mode and a valid name", async () => {
    const { server, provider } = await setup();
    const result = await provider.chat(ask("I lost my card", { jsonSchema: { ...schema, name: "intent label!" } }));
    assert.deepEqual(JSON.parse(result.text), { label: "card_lost" });
    assert.deepEqual(server.requests.at(-1)?.body?.response_format, {
      type: "json_schema",
      json_schema: { name: "intent_label_", schema: schema.schema, strict: true },
    });
  });

  it("falls back to json_object plus instructions when json_schema is refused, and remembers", async () => {
    const { server, provider } = await setup({ jsonSchema: false, answer: '{"label":"refund"}' });
    const first = await provider.chat(ask("refund me", { jsonSchema: schema }));
    assert.equal(first.text, '{"label":"refund"}');
    assert.equal(first.attempts, 2);
    const [refused, accepted] = server.requests.slice(-2);
    assert.equal(refused?.body?.response_format?.type, "json_schema");
    assert.equal(accepted?.body?.response_format?.type, "json_object");
    const system = accepted?.body?.messages[0];
    assert.equal(system?.role, "system");
    assert.match(String(system?.content), /JSON Schema/);
    assert.match(String(system?.content), /card_lost/);
    const second = await provider.chat(ask("refund me", { jsonSchema: schema }));
    assert.equal(second.attempts, 1);
    assert.equal(server.requests.at(-1)?.body?.response_format?.type, "json_object");
  });

  it("falls back to instructions alone when json_object is refused too, merging into a leading system message", async () => {
    const { server, provider } = await setup({ jsonSchema: false, jsonObject: false, answer: '{"label":"refund"}' });
    const result = await provider.chat({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "x" }], jsonSchema: schema });
    assert.equal(result.attempts, 3);
    const sent = server.requests.at(-1)?.body;
    assert.equal(sent?.response_format, undefined);
    assert.equal(sent?.messages.length, 2);
    assert.match(String(sent?.messages[0]?.content), /^Be brief\.\n\nAnswer with one JSON object/);
  });

  it("with supportsJsonSchema: true a refusal is an error, not a fallback", async () => {
    const { server, provider } = await setup({ jsonSchema: false }, { supportsJsonSchema: true });
    const first = server.requests.length;
    await assert.rejects(provider.chat(ask("x", { jsonSchema: schema })), { code: "provider_error" });
    assert.equal(server.requests.length - first, 1);
  });

  it("returns token logprobs, in chat and as stream parts", async () => {
    const { provider } = await setup({ logprob: -0.25, answer: "abcdefgh" });
    const result = await provider.chat(ask("x", { logprobs: true }));
    assert.deepEqual(result.tokenLogprobs, [-0.25, -0.25]);
    const parts: StreamPart[] = [];
    for await (const part of provider.stream(ask("x", { logprobs: true }))) parts.push(part);
    assert.deepEqual(parts.filter((p) => p.type === "logprobs").map((p) => p.values), [[-0.25], [-0.25]]);
  });

  it("does not forward logprobs when supportsLogprobs is false", async () => {
    const { server, provider } = await setup({ logprobs: "reject" }, { supportsLogprobs: false });
    const result = await provider.chat(ask("x", { logprobs: true }));
    assert.equal(result.tokenLogprobs, undefined);
    assert.equal(server.requests.at(-1)?.body?.logprobs, undefined);
  });

  it("reports the server's usage as measured, in chat and at the end of a stream", async () => {
    const { server, provider } = await setup({ answer: "12345678" });
    const result = await provider.chat(ask("hello"));
    assert.deepEqual(result.usage, { inputTokens: 8, outputTokens: 2, provenance: "measured" });
    let finish: StreamPart | undefined;
    for await (const part of provider.stream(ask("hello"))) if (part.type === "finish") finish = part;
    assert.deepEqual(finish?.type === "finish" ? finish.usage : undefined, { inputTokens: 8, outputTokens: 2, provenance: "measured" });
    assert.deepEqual(server.requests.at(-1)?.body?.stream_options, { include_usage: true });
  });

  it("counts tokens with cl100k_base and marks them modeled when the server omits usage", async () => {
    const { provider } = await setup({ usage: false, answer: "Hello world" });
    const result = await provider.chat(ask("Hello world"));
    // cl100k_base: "Hello world" is 2 tokens; input = 3 (priming) + 3 (message) + 1 ("user") + 2.
    assert.deepEqual(result.usage, { inputTokens: 9, outputTokens: 2, provenance: "modeled" });
    let finish: StreamPart | undefined;
    for await (const part of provider.stream(ask("Hello world"))) if (part.type === "finish") finish = part;
    assert.deepEqual(finish?.type === "finish" ? finish.usage : undefined, { inputTokens: 9, outputTokens: 2, provenance: "modeled" });
  });

  it("maps finish_reason length when max_tokens cuts the answer", async () => {
    const { provider } = await setup({ answer: "a".repeat(40) });
    const result = await provider.chat(ask("x", { maxTokens: 3 }));
    assert.equal(result.finishReason, "length");
    assert.equal(result.text, "a".repeat(12));
  });

  it("stream deltas concatenate to the chat answer, with first-token time before total latency", async () => {
    const { provider } = await setup({ answer: "The quick brown fox jumps over the lazy dog." });
    const chat = await provider.chat(ask("x"));
    let text = "";
    let finish: StreamPart | undefined;
    for await (const part of provider.stream(ask("x"))) {
      if (part.type === "text-delta") text += part.text;
      if (part.type === "finish") finish = part;
    }
    assert.equal(text, chat.text);
    assert.ok(finish?.type === "finish" && finish.firstTokenMs !== undefined && finish.firstTokenMs <= finish.latencyMs);
  });

  it("accepts a server that answers a stream request with one JSON completion", async () => {
    const { server, provider } = await setup({ answer: "whole answer" });
    server.enqueue({ type: "answer", ignoreStream: true });
    const parts: StreamPart[] = [];
    for await (const part of provider.stream(ask("x"))) parts.push(part);
    assert.deepEqual(parts.map((p) => p.type), ["text-delta", "finish"]);
    assert.deepEqual(parts[0], { type: "text-delta", text: "whole answer" });
  });

  it("never names URL credentials or the query string in its id or errors", async () => {
    const { server } = await setup();
    server.enqueue({ type: "error", status: 400, message: "nope" });
    const provider = createOpenAiCompatibleProvider({ baseUrl: server.url.replace("http://", "http://user:hunter2@") + "?key=q-secret", model: "m" });
    providers.push(provider);
    assert.doesNotMatch(provider.id, /hunter2|q-secret/);
    await assert.rejects(provider.chat(ask("x")), (error: unknown) => {
      assert.doesNotMatch(JSON.stringify(error) + String(error), /hunter2|q-secret/);
      return true;
    });
  });

  it("rejects bad options once, at creation, with the key path", () => {
    assert.throws(() => createOpenAiCompatibleProvider({ baseUrl: "not a url", model: "m" }), { code: "config_invalid", message: /baseUrl/ });
    assert.throws(() => createOpenAiCompatibleProvider({ baseUrl: "http://x/v1", model: "m", maxRetries: -1 }), { code: "config_invalid", message: /maxRetries/ });
  });
  // Servers that do not enforce the schema: every answer is checked, an invalid one is asked again once (next seed), then
  // is a schema_violation; a stream that ends invalid ends with the error, not a finish.
  it("asks again once with the next seed, and the result counts both requests and their tokens", async () => {
    const { server, provider } = await setup();
    const single = await provider.chat(askSchema());
    assert.equal(single.attempts, 1, "the fake's default answer fits the schema");
    const first = server.requests.length;
    server.enqueue({ type: "answer", text: '{"label":"stolen"}' }, { type: "answer", text: '```json\n{"label":"refund"}\n```' });
    const r = await provider.chat(askSchema({ seed: 7 }));
    assert.equal(r.text, '{"label":"refund"}');
    assert.equal(r.attempts, 2);
    assert.deepEqual(r.usage, { inputTokens: 2 * single.usage.inputTokens, outputTokens: r.usage.outputTokens, provenance: "measured" });
    assert.ok(r.usage.outputTokens > single.usage.outputTokens);
    assert.deepEqual(server.requests.slice(first).map((q) => q.body?.seed), [7, 8]);
  });

  it("two invalid answers are a schema_violation that is not retryable, after exactly two requests", async () => {
    const { server, provider } = await setup({ answer: '{"label":"lost"}' });
    await assert.rejects(provider.chat(askSchema()), (e: unknown) => {
      assert.ok(isFrugalError(e) && e.code === "schema_violation", String(e));
      assert.equal(e.retryable, false);
      assert.equal(e.details.attempts, 2);
      assert.match(e.message, /2 generations did not fit the JSON schema "intent": \$\.label: "lost" is not one of the enum values/);
      return true;
    });
    assert.equal(server.requests.length, 2);
  });

  it("transport retries and the re-generation add up in attempts", async () => {
    const { provider, server } = await setup({}, { retryBaseMs: 0 });
    server.enqueue({ type: "error", status: 503 }, { type: "answer", text: "{}" }, { type: "answer", text: '{"label":"refund"}' });
    const r = await provider.chat(askSchema());
    assert.equal(r.attempts, 3);
    assert.equal(r.text, '{"label":"refund"}');
  });

  it("a server that only got the schema as an instruction may wrap the JSON in prose: the JSON alone is returned", async () => {
    const { provider } = await setup({ jsonSchema: false, jsonObject: false, answer: 'Here you go: {"label": "card_lost"} (hope it helps)' });
    const r = await provider.chat(askSchema());
    assert.equal(r.text, '{"label": "card_lost"}');
    assert.equal(r.attempts, 3, "two refused response_format modes, then one answer");
  });

  it("a stream whose answer fails the schema ends with schema_violation instead of a finish; a valid one finishes", async () => {
    const { provider, server } = await setup();
    server.enqueue({ type: "answer", text: '{"label":"lost"}' });
    const parts: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of provider.stream(askSchema())) parts.push(part);
      })(),
      (e: unknown) => isFrugalError(e) && e.code === "schema_violation" && e.retryable && e.details.generations === 1,
    );
    assert.ok(parts.length > 0 && parts.every((p) => p.type === "text-delta"));
    const ok: StreamPart[] = [];
    for await (const part of provider.stream(askSchema())) ok.push(part);
    assert.equal(ok.at(-1)?.type, "finish");
  });
});
