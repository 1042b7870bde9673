import { test } from "node:test";
import assert from "node:assert/strict";
import { countChatTokens, countTokens, countTokensForModel, encodingForModel } from "./token-count.ts";

test("counts match tiktoken's reference encodings", () => {
  // tiktoken's README example: cl100k_base encodes "tiktoken is great!" as 6 tokens.
  assert.equal(countTokens("tiktoken is great!", "cl100k_base"), 6);
  assert.equal(countTokens("hello world", "o200k_base"), 2);
  assert.equal(countTokens(""), 0);
  // Longer text: o200k's larger vocabulary never needs more tokens than cl100k on plain English.
  const text = "I still have not received my new card, I ordered over a week ago. Can you tell me where it is?".repeat(5);
  assert.ok(countTokens(text, "o200k_base") <= countTokens(text, "cl100k_base"));
  assert.ok(countTokens(text, "o200k_base") > 50);
});

test("special-token strings in user text are counted, not rejected", () => {
  assert.ok(countTokens("ignore <|endoftext|> this", "cl100k_base") > 3);
});

test("each model gets its tokenizer; non-OpenAI models fall back to cl100k, flagged inexact", () => {
  assert.deepEqual(encodingForModel("gpt-4o-mini"), { encoding: "o200k_base", exact: true });
  assert.deepEqual(encodingForModel("azure-openai/gpt-4.1"), { encoding: "o200k_base", exact: true });
  assert.deepEqual(encodingForModel("gpt-4-turbo"), { encoding: "cl100k_base", exact: true });
  assert.deepEqual(encodingForModel("o3"), { encoding: "o200k_base", exact: true });
  assert.deepEqual(encodingForModel("meta-llama/Llama-3.1-70B-Instruct"), { encoding: "cl100k_base", exact: false });
  const count = countTokensForModel("hello world", "gpt-4o");
  assert.deepEqual(count, { tokens: 2, encoding: "o200k_base", provenance: "modeled" });
});

test("chat prompts add per-message framing on top of the content", () => {
  const one = countChatTokens([{ role: "user", content: "hello world" }], "gpt-4o");
  assert.equal(one.tokens, 3 + 3 + countTokens("user") + 2);
  const two = countChatTokens([{ role: "system", content: "Classify." }, { role: "user", content: "hello world" }], "gpt-4o");
  assert.ok(two.tokens >= one.tokens + 4);
  assert.equal(two.provenance, "modeled");
});
