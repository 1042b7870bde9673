/**
 * Conformance: the official `openai` SDK against a real gateway (two fake upstreams, real SQLite state). Every response
 * body and stream chunk the SDK receives is also validated against OpenAI's OpenAPI document (test/fixtures/openai-openapi)
 * by the recording fetch in conformance-client.ts — `after each` fails the test that produced a non-conforming body.
 * The error statuses (400…429) and their SDK error classes are in conformance-errors.test.ts.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import OpenAI from "openai";
import { createRecordingFetch, validateAll } from "./testing/conformance-client.ts";
import { createOpenApiValidator, type OpenApiValidator } from "./testing/openapi-validator.ts";
import { RECEIPT_TEXT, SURE_TEXT, UNSURE_TEXT, startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

let gw: TestGateway;
let client: OpenAI;
let validator: OpenApiValidator;
const recorder = createRecordingFetch();
let checked = 0;

before(async () => {
  validator = createOpenApiValidator();
  gw = await startTestGateway();
  client = new OpenAI({ apiKey: await gw.createKey({ team: "acme" }), baseURL: gw.baseURL, maxRetries: 0, fetch: recorder.fetch });
});
afterEach(async () => {
  checked += await validateAll(validator, recorder);
});
after(async () => {
  await gw?.close();
});

const user = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: "user", content }];
type FrugalBody = { frugal?: Record<string, unknown> };

test("GET /v1/models lists every task and route", async () => {
  const ids = new Map<string, string>();
  for await (const model of client.models.list()) ids.set(model.id, model.owned_by);
  assert.deepEqual(Object.fromEntries(ids), {
    intents: "frugal:task",
    receipts: "frugal:task",
    "gpt-4o": "frugal:route",
    "pii-route": "frugal:route",
    "secret-route": "frugal:route",
    "local-route": "frugal:route",
    "text-embedding-3-small": "frugal:route",
  });
});

test("a route answers JSON from its first upstream, with usage and the gateway's headers", async () => {
  const { data, response } = await client.chat.completions.create({ model: "gpt-4o", messages: user("hello json") }).withResponse();
  assert.equal(data.choices[0]?.message.content, "echo: hello json");
  assert.equal(data.object, "chat.completion");
  assert.ok((data.usage?.total_tokens ?? 0) > 0);
  assert.equal(response.headers.get("x-frugal-upstream"), "a");
  assert.match(response.headers.get("x-frugal-request-id") ?? "", /.{8,}/);
});

test("a route streams chunk by chunk, and with include_usage the last chunk carries the usage", async () => {
  const before = gw.a.requests.length;
  const stream = await client.chat.completions.create({ model: "gpt-4o", messages: user("hello stream"), stream: true, stream_options: { include_usage: true } });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length >= 3, `only ${chunks.length} chunks`);
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "echo: hello stream");
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.ok((last.usage?.completion_tokens ?? 0) > 0, "no usage on the last chunk");
  for (const c of chunks.slice(0, -1)) assert.ok(c.usage === null || c.usage === undefined, "usage before the last chunk");
  assert.equal(gw.a.requests.length, before + 1);
});

test("a stream without include_usage gets no usage chunk (the gateway's own usage request is not leaked)", async () => {
  const stream = await client.chat.completions.create({ model: "gpt-4o", messages: user("no usage please"), stream: true });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.every((c) => c.choices.length === 1), "a chunk without choices (a usage chunk) reached the client");
  // The gateway still asked the upstream for usage, to meter the request.
  assert.equal(gw.a.requests.at(-1)?.body?.stream_options?.include_usage, true);
});

test("a task model answers with its label, the frugal object and x-frugal-* headers", async () => {
  const { data, response } = await client.chat.completions.create({ model: "intents", messages: [{ role: "system", content: "be brief" }, ...user(SURE_TEXT)] }).withResponse();
  assert.equal(data.choices[0]?.message.content, "card_arrival");
  assert.equal(data.model, "intents");
  const frugal = (data as unknown as FrugalBody).frugal;
  assert.equal(frugal?.tier, "compact");
  assert.equal(frugal?.escalated, false);
  assert.equal(frugal?.request_id, response.headers.get("x-frugal-request-id"));
  assert.equal(response.headers.get("x-frugal-task"), "intents");
  assert.equal(response.headers.get("x-frugal-tier"), "compact");
  assert.equal(response.headers.get("x-frugal-escalated"), "false");
  assert.equal(Number(response.headers.get("x-frugal-confidence")), 0.97);
  assert.deepEqual(data.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, "a compact answer spends no LLM tokens");
});

test("a task escalates an unsure input to its LLM tier, and usage counts the LLM's tokens", async () => {
  const { data, response } = await client.chat.completions.create({ model: "intents", messages: user(UNSURE_TEXT) }).withResponse();
  assert.equal(data.choices[0]?.message.content, "pin_blocked");
  const frugal = (data as unknown as FrugalBody).frugal;
  assert.equal(frugal?.escalated, true);
  assert.equal(frugal?.tier_kind, "llm");
  assert.equal(response.headers.get("x-frugal-escalated"), "true");
  assert.ok((data.usage?.prompt_tokens ?? 0) > 0 && (data.usage?.completion_tokens ?? 0) > 0, JSON.stringify(data.usage));
});

test("a task streams its answer, the frugal object on the finish chunk and usage last", async () => {
  const { data: stream, response } = await client.chat.completions.create({ model: "intents", messages: user("my pin is blocked"), stream: true, stream_options: { include_usage: true } }).withResponse();
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(response.headers.get("x-frugal-tier"), "compact");
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "pin_blocked");
  const finish = chunks.find((c) => c.choices[0]?.finish_reason === "stop");
  assert.equal((finish as unknown as FrugalBody | undefined)?.frugal?.task, "intents");
  assert.deepEqual(chunks.at(-1)?.choices, []);
  assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
});

test("an extract task answers a JSON object of its fields", async () => {
  const completion = await client.chat.completions.create({ model: "receipts", messages: user(RECEIPT_TEXT) });
  const fields = JSON.parse(completion.choices[0]?.message.content ?? "null") as Record<string, unknown>;
  assert.deepEqual(Object.keys(fields).sort(), ["company", "date", "total"]);
  assert.equal(fields.date, "12/03/2019");
  assert.equal(fields.total, "10.00");
});

for (const failure of [{ type: "error", status: 500 }, { type: "reset" }] as const) {
  test(`a route falls back to its second upstream when the first fails (${failure.type})`, async () => {
    const [a, b] = [gw.a.requests.length, gw.b.requests.length];
    gw.a.enqueue(failure);
    const { data, response } = await client.chat.completions.create({ model: "gpt-4o", messages: user(`fallback ${failure.type}`) }).withResponse();
    assert.equal(data.choices[0]?.message.content, `echo: fallback ${failure.type}`);
    assert.equal(response.headers.get("x-frugal-upstream"), "b");
    assert.equal(gw.a.requests.length, a + 1, "upstream a was tried once");
    assert.equal(gw.b.requests.length, b + 1);
    assert.equal(gw.b.requests.at(-1)?.body?.model, "gpt-4o-mini", "the fallback target's model is sent");
  });
}

test("a stream falls back before its first byte", async () => {
  gw.a.enqueue({ type: "error", status: 503 });
  const { data: stream, response } = await client.chat.completions.create({ model: "gpt-4o", messages: user("stream fallback"), stream: true }).withResponse();
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  assert.equal(text, "echo: stream fallback");
  assert.equal(response.headers.get("x-frugal-upstream"), "b");
});

test("tools, response_format, stop, seed and logprobs reach the upstream untouched", async () => {
  const sent = {
    model: "gpt-4o",
    messages: user("what is the weather in Paris?"),
    tools: [{ type: "function", function: { name: "weather", description: "weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: true } }],
    tool_choice: "auto",
    parallel_tool_calls: false,
    response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { text: { type: "string" } }, required: ["text"], additionalProperties: false } } },
    stop: ["\n\n", "END"],
    seed: 42,
    logprobs: true,
    top_logprobs: 2,
    temperature: 0.2,
    max_tokens: 50,
    user: "user-123",
  } satisfies OpenAI.ChatCompletionCreateParamsNonStreaming;
  const completion = await client.chat.completions.create(sent);
  assert.deepEqual(gw.a.requests.at(-1)?.body, sent);
  assert.ok((completion.choices[0]?.logprobs?.content?.length ?? 0) > 0, "the upstream's logprobs came back");
});

test("a deterministic route request is answered from the exact cache the second time, byte for byte", async () => {
  const body = { model: "gpt-4o", messages: user("cache me"), temperature: 0 };
  const first = await client.chat.completions.create(body).withResponse();
  const calls = gw.a.requests.length;
  const second = await client.chat.completions.create(body).withResponse();
  assert.equal(gw.a.requests.length, calls, "the second request reached the upstream");
  assert.equal(second.response.headers.get("x-frugal-cache"), "hit");
  assert.deepEqual(second.data, first.data);
});

test("embeddings pass through to their route", async () => {
  const { data, response } = await client.embeddings.create({ model: "text-embedding-3-small", input: ["alpha", "beta gamma"], encoding_format: "float" }).withResponse();
  assert.equal(data.data.length, 2);
  assert.equal(data.data[1]?.index, 1);
  assert.ok(Array.isArray(data.data[0]?.embedding));
  assert.equal(response.headers.get("x-frugal-upstream"), "a");
  assert.deepEqual(gw.a.requests.at(-1)?.body, { model: "text-embedding-3-small", input: ["alpha", "beta gamma"], encoding_format: "float" });
});

test("every response above was validated against the OpenAPI document", () => {
  // Guards the guard: a recorder that silently recorded nothing would make every validation vacuous.
  assert.ok(checked >= 30, `only ${checked} bodies and chunks were validated`);
});
