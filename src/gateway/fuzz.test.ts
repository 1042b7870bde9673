/**
 * Bad input, fuzzed (fast-check) against a real gateway: malformed JSON, wrong types for every field the chat, task and
 * embeddings bodies have, huge strings, deep JSON, invalid UTF-8. The properties: no 5xx, every 4xx is an OpenAI error
 * object, and the process keeps answering /healthz. Headers, sizes and lying Content-Lengths are in
 * fuzz-transport.test.ts. Seeds are printed by fast-check on failure; rerun one with `seed` in fc.assert's options.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import type { FakeChatRequest } from "../../test/fixtures/fake-openai-server.ts";
import { checkAnswer, describeBody, post } from "./testing/fuzz-client.ts";
import { createOpenApiValidator, type OpenApiValidator } from "./testing/openapi-validator.ts";
import { SURE_TEXT, startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

let gw: TestGateway;
let validator: OpenApiValidator;
let auth: Record<string, string>;

before(async () => {
  validator = createOpenApiValidator();
  // The LLM tier of a task answers a valid label (or fields) whatever the text: an upstream that answers garbage is a
  // 502 by design, and this suite is about what clients send, not about what upstreams answer.
  const answer = (request: FakeChatRequest): string => {
    const prompt = JSON.stringify(request.messages);
    if (prompt.includes("pin_blocked")) return "card_arrival";
    if (prompt.includes("company")) return JSON.stringify({ company: "ACME", date: "01/01/2020", total: "1.00" });
    return "fine";
  };
  gw = await startTestGateway({ upstreamA: { answer }, upstreamB: { answer } });
  auth = { authorization: `Bearer ${await gw.createKey({ team: "acme" })}`, "content-type": "application/json" };
});
after(async () => {
  // The last property of all: whatever came before, the gateway still answers.
  const health = await fetch(`${gw.url}/healthz`);
  assert.equal(health.status, 200);
  await gw?.close();
});

const ENDPOINTS = ["/v1/chat/completions", "/v1/tasks/intents", "/v1/embeddings"] as const;
const MODELS = ["gpt-4o", "intents", "receipts", "pii-route", "secret-route", "local-route", "text-embedding-3-small", "no-such-model"] as const;
const RUNS = 150;

async function send(path: string, body: string | Uint8Array, headers = auth): Promise<ReturnType<typeof checkAnswer>> {
  const response = await post(gw.url, path, body, headers);
  return checkAnswer(validator, response, `POST ${path} ${describeBody(body)}`);
}

/** JSON text damaged the ways a broken client damages it: cut short, a character dropped, or junk spliced in. */
const malformedJson = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.constantFrom("", "{", "}", "[", "]", ",", ":", '"', "\\", "\u0000", "NaN", "undefined", "'")).map(([json, at, junk]) => {
    const cut = json.length === 0 ? 0 : at % json.length;
    return junk === "" ? json.slice(0, cut) : `${json.slice(0, cut)}${junk}${json.slice(cut + 1)}`;
  }),
);

test("malformed JSON on every endpoint: no 5xx, an OpenAI error for every 4xx", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS), malformedJson, async (path, body) => {
      await send(path, body);
    }),
    { numRuns: RUNS },
  );
});

const CHAT_FIELDS = ["model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "tools", "tool_choice", "response_format", "stop", "seed", "logprobs", "top_logprobs", "user", "metadata"] as const;
const MESSAGE_FIELDS = ["role", "content", "name", "tool_calls"] as const;

test("every field of a chat body with a value of the wrong type (or none): no 5xx", async () => {
  const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
  const chatBody = fc.record({
    model: fc.constantFrom(...MODELS),
    stream: fc.boolean(),
    top: fc.tuple(fc.constantFrom(...CHAT_FIELDS), anyValue),
    inMessage: fc.option(fc.tuple(fc.constantFrom(...MESSAGE_FIELDS), anyValue)),
  });
  await fc.assert(
    fc.asyncProperty(chatBody, async ({ model, stream, top, inMessage }) => {
      const message: Record<string, unknown> = { role: "user", content: SURE_TEXT };
      if (inMessage !== null) message[inMessage[0]] = inMessage[1];
      const body: Record<string, unknown> = { model, messages: [message], stream, [top[0]]: top[1] };
      const error = await send("/v1/chat/completions", JSON.stringify(body));
      // A 400 names the field at fault in `param`, as OpenAI's own 400s do: a field this body has (or `messages[i]…`).
      if (error?.code === "input_invalid" && error.param !== null) {
        const field = error.param.split(/[.[]/)[0] ?? "";
        assert.ok(field in body, `param ${JSON.stringify(error.param)} names no field of ${JSON.stringify(body).slice(0, 300)}`);
      }
    }),
    { numRuns: 200 },
  );
});

test("content parts that are not objects (null, numbers, strings) on routes with a PII policy: no 5xx", async () => {
  // Found by the property above: the guard reads `part.type` of every part, and a null part threw (a 500).
  const failures: string[] = [];
  for (const model of ["pii-route", "secret-route", "local-route"]) {
    for (const content of [[null], [1], ["text"], [null, { type: "text", text: "hi" }]]) {
      try {
        await send("/v1/chat/completions", JSON.stringify({ model, messages: [{ role: "user", content }] }));
      } catch (error) {
        failures.push((error instanceof Error ? error.message : String(error)).split("\n")[0]!);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test("native task bodies and embeddings bodies of any shape: no 5xx", async () => {
  const native = fc.oneof(
    fc.record({ input: fc.jsonValue({ maxDepth: 2 }), tags: fc.option(fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })),
  );
  const embeddings = fc.record(
    {
      model: fc.oneof(fc.constantFrom(...MODELS), fc.jsonValue({ maxDepth: 1 })),
      input: fc.oneof(fc.string(), fc.array(fc.string()), fc.array(fc.array(fc.integer())), fc.jsonValue({ maxDepth: 3 })),
      encoding_format: fc.oneof(fc.constantFrom("float", "base64"), fc.jsonValue({ maxDepth: 1 })),
      dimensions: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(native.map((b) => ["/v1/tasks/intents", b] as const), embeddings.map((b) => ["/v1/embeddings", b] as const)), async ([path, body]) => {
      await send(path, JSON.stringify(body));
    }),
    { numRuns: RUNS },
  );
});

/** Byte sequences no UTF-8 decoder may accept: stray continuation, overlong, surrogate, cut multibyte, 0xFF. */
const INVALID_UTF8 = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]];

test("invalid UTF-8 anywhere in a body is a 400 input_invalid", async () => {
  const valid = (path: string): string => (path === "/v1/tasks/intents" ? JSON.stringify({ input: SURE_TEXT }) : path === "/v1/embeddings" ? JSON.stringify({ model: "text-embedding-3-small", input: "hi there" }) : JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi there" }] }));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.nat(), fc.constantFrom(...INVALID_UTF8), async (path, at, bad) => {
      const text = Buffer.from(valid(path));
      const cut = at % text.length;
      const body = Buffer.concat([text.subarray(0, cut), Buffer.from(bad), text.subarray(cut)]);
      const error = await send(path, body);
      assert.equal(error?.code, "input_invalid", `${path} with ${JSON.stringify(bad)} at ${cut}`);
    }),
    { numRuns: 100 },
  );
});

test("random bytes as a body: no 5xx", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.uint8Array({ maxLength: 512 }), async (path, bytes) => {
      await send(path, bytes);
    }),
    { numRuns: 100 },
  );
});

test("huge strings in every text field (under the body limit): no 5xx", async () => {
  // The property draws a (length, unit) pair, not the string itself, so a counterexample prints in one line.
  const size = fc.tuple(fc.integer({ min: 100_000, max: 900_000 }), fc.constantFrom("a", "é", "語", "🙂", " ", "\\n", "0"));
  const where = fc.constantFrom("content", "model", "role", "input", "embedding-input", "tags", "unknown-field");
  await fc.assert(
    fc.asyncProperty(where, size, async (field, [bytes, unit]) => {
      const text = unit.repeat(Math.floor(bytes / Buffer.byteLength(unit)));
      const chat = (model: string, content: unknown, role = "user", extra = {}) => ({ model, messages: [{ role, content }], ...extra });
      const cases: Record<string, Array<[string, unknown]>> = {
        content: [["/v1/chat/completions", chat("intents", text)], ["/v1/chat/completions", chat("pii-route", text)]],
        model: [["/v1/chat/completions", chat(text, "hi")]],
        role: [["/v1/chat/completions", chat("gpt-4o", "hi", text)]],
        input: [["/v1/tasks/intents", { input: text }]],
        "embedding-input": [["/v1/embeddings", { model: "text-embedding-3-small", input: [text] }]],
        tags: [["/v1/tasks/intents", { input: SURE_TEXT, tags: [text] }]],
        "unknown-field": [["/v1/chat/completions", chat("gpt-4o", "hi", "user", { [text.slice(0, 1000)]: text })]],
      };
      for (const [path, body] of cases[field] ?? []) await send(path, JSON.stringify(body));
    }),
    { numRuns: 12 },
  );
});

const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

for (const depth of [1_000, 10_000, 100_000]) {
  test(`JSON nested ${depth} deep, bare or inside any field: a 4xx or an answer, never a 5xx`, async () => {
    const deep = nested(depth);
    const chat = (model: string, extra: string) => `{"model":"${model}","messages":[{"role":"user","content":"where is my new card"}]${extra}}`;
    const cases: Array<[string, string]> = [
      ["/v1/chat/completions", deep],
      ["/v1/chat/completions", `{"a":${deep}}`],
      ["/v1/chat/completions", chat("gpt-4o", `,"x":${deep}`)],
      ["/v1/chat/completions", chat("gpt-4o", `,"temperature":0,"tools":${deep}`)],
      ["/v1/chat/completions", `{"model":"pii-route","messages":[{"role":"user","content":${deep}}]}`],
      ["/v1/chat/completions", chat("intents", `,"x":${deep}`)],
      ["/v1/chat/completions", `{"model":"intents","messages":[{"role":"user","content":${deep}}]}`],
      ["/v1/tasks/intents", `{"input":"x","tags":${deep}}`],
      ["/v1/tasks/intents", `{"input":"x","extra":${deep}}`],
      ["/v1/embeddings", `{"model":"text-embedding-3-small","input":${deep}}`],
    ];
    const failures: string[] = [];
    for (const [path, body] of cases) {
      try {
        await send(path, body);
      } catch (error) {
        failures.push(error instanceof Error ? error.message.split("\n")[0]! : String(error));
      }
    }
    assert.deepEqual(failures, []);
  });
}
