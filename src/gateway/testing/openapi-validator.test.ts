/**
 * The validator the conformance and fuzz suites lean on: it must reject what OpenAI's document rejects (or those suites
 * would pass vacuously), accept the extras the document allows (`frugal`), and read the 3.0 leftovers correctly.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { convertSchema, createOpenApiValidator, type OpenApiValidator } from "./openapi-validator.ts";

let validator: OpenApiValidator;
before(() => {
  validator = createOpenApiValidator();
});

const completion = () => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "intents",
  choices: [{ index: 0, message: { role: "assistant", content: "card_arrival", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
});

test("a well-formed completion, chunk, list and error pass, extra fields such as `frugal` included", () => {
  assert.deepEqual(validator.errors("CreateChatCompletionResponse", { ...completion(), frugal: { tier: "compact" } }), []);
  const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "x" }, logprobs: null, finish_reason: null }], usage: null };
  assert.deepEqual(validator.errors("CreateChatCompletionStreamResponse", chunk), []);
  assert.deepEqual(validator.errors("ListModelsResponse", { object: "list", data: [{ id: "intents", object: "model", created: 1, owned_by: "frugal:task" }] }), []);
  assert.deepEqual(validator.errors("ErrorResponse", { error: { message: "m", type: "invalid_request_error", param: null, code: "input_invalid" } }), []);
  assert.deepEqual(validator.errors("CreateEmbeddingResponse", { object: "list", model: "e", data: [{ object: "embedding", index: 0, embedding: [0.1] }], usage: { prompt_tokens: 1, total_tokens: 1 } }), []);
});

test("what the document forbids is reported with its path", () => {
  const { choices: _c, ...noChoices } = completion();
  assert.match(validator.errors("CreateChatCompletionResponse", noChoices).join("\n"), /choices/);
  const badFinish = completion();
  badFinish.choices[0]!.finish_reason = "done";
  assert.match(validator.errors("CreateChatCompletionResponse", badFinish).join("\n"), /\/choices\/0\/finish_reason/);
  assert.match(validator.errors("CreateChatCompletionResponse", { ...completion(), created: "today" }).join("\n"), /\/created/);
  assert.match(validator.errors("CreateChatCompletionResponse", { ...completion(), object: "chat.completion.chunk" }).join("\n"), /\/object/);
  assert.match(validator.errors("ErrorResponse", { error: { message: "m", type: "t", param: null } }).join("\n"), /code/);
  assert.match(validator.errors("ErrorResponse", { message: "flat, not nested" }).join("\n"), /error/);
  assert.throws(() => validator.assertValid("ListModelsResponse", { object: "list" }, "models"), /models does not match OpenAI's ListModelsResponse/);
});

test("nullable (OpenAPI 3.0) allows null next to the declared type, and nothing else", () => {
  const chunk = (finish: unknown) => ({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  assert.deepEqual(validator.errors("CreateChatCompletionStreamResponse", chunk(null)), []);
  assert.deepEqual(validator.errors("CreateChatCompletionStreamResponse", chunk("stop")), []);
  assert.notDeepEqual(validator.errors("CreateChatCompletionStreamResponse", chunk(7)), []);
});

test("convertSchema rewrites refs, nullable, recursion and 3.0 exclusive bounds, and leaves property names alone", () => {
  assert.deepEqual(convertSchema({ $ref: "#/components/schemas/Error" }), { $ref: "#/$defs/Error" });
  assert.deepEqual(convertSchema({ type: "string", nullable: true, "x-oaiMeta": {} }), { anyOf: [{ type: "string" }, { type: "null" }] });
  assert.deepEqual(convertSchema({ oneOf: [{ $recursiveRef: "#" }], $recursiveAnchor: true }, "Filter"), { oneOf: [{ $ref: "#/$defs/Filter" }] });
  assert.deepEqual(convertSchema({ type: "number", minimum: 0, exclusiveMinimum: true }), { type: "number", exclusiveMinimum: 0 });
  assert.deepEqual(convertSchema({ type: "object", properties: { nullable: { type: "boolean" } }, required: ["a", "a"] }), { type: "object", properties: { nullable: { type: "boolean" } }, required: ["a"] });
});
