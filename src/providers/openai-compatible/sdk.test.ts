// The real `openai` SDK as a client of the fake server: if the official client reads the fake's answers, streams, errors
// and logprobs, the fake speaks the protocol faithfully, and the provider's tests against it mean something.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../../../test/fixtures/fake-openai-server.ts";

describe("fake OpenAI server, as seen by the openai SDK", () => {
  let server: FakeOpenAiServer;
  let client: OpenAI;
  before(async () => {
    server = await startFakeOpenAiServer({ apiKey: "sk-fake", answer: "Paris is the capital of France." });
    client = new OpenAI({ baseURL: server.url, apiKey: "sk-fake", maxRetries: 0 });
  });
  after(async () => {
    await server.close();
  });

  it("answers a chat completion with usage", async () => {
    const completion = await client.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "Capital of France?" }] });
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.choices[0]?.message.content, "Paris is the capital of France.");
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.equal(completion.usage?.completion_tokens, 8);
    assert.equal(completion.usage?.total_tokens, (completion.usage?.prompt_tokens ?? 0) + 8);
  });

  it("streams deltas, a finish_reason, then usage when include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: "fake-model",
      messages: [{ role: "user", content: "Capital of France?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, "Paris is the capital of France.");
    assert.equal(finish, "stop");
    assert.equal(usage?.completion_tokens, 8);
  });

  it("returns logprobs in the SDK's shape", async () => {
    const completion = await client.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "x" }], logprobs: true });
    const content = completion.choices[0]?.logprobs?.content ?? [];
    assert.equal(content.length, 8);
    assert.equal(content.map((t) => t.token).join(""), "Paris is the capital of France.");
    assert.ok(content.every((t) => t.logprob === -0.05));
  });

  it("answers json_schema requests with JSON that fits the schema", async () => {
    const plain = await startFakeOpenAiServer();
    try {
      const sdk = new OpenAI({ baseURL: plain.url, apiKey: "unused", maxRetries: 0 });
      const completion = await sdk.chat.completions.create({
        model: "fake-model",
        messages: [{ role: "user", content: "x" }],
        response_format: {
          type: "json_schema",
          json_schema: { name: "r", strict: true, schema: { type: "object", properties: { total: { type: "number" }, date: { type: "string", format: "date" } }, required: ["total", "date"] } },
        },
      });
      assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ""), { total: 0, date: "2024-01-31" });
    } finally {
      await plain.close();
    }
  });

  it("raises the SDK's typed errors for 401, 429 and 500", async () => {
    const wrongKey = new OpenAI({ baseURL: server.url, apiKey: "sk-wrong", maxRetries: 0 });
    await assert.rejects(wrongKey.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }), OpenAI.AuthenticationError);
    server.enqueue({ type: "rate-limit", retryAfter: "7" });
    await assert.rejects(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers.get("retry-after"), "7");
      return true;
    });
    server.enqueue({ type: "error", status: 500, message: "boom" });
    await assert.rejects(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.match(error.message, /boom/);
      return true;
    });
  });

  it("lists its model", async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ["fake-model"]);
  });
});
