import assert from "node:assert/strict";
import { test } from "node:test";
import { FrugalError } from "../core/errors.ts";
import { checkStreamedAnswer, generateValid, nextSeed, type Generated } from "./schema-answer.ts";
import type { ChatRequest } from "./types.ts";

const request: ChatRequest = {
  messages: [{ role: "user", content: "x" }],
  jsonSchema: { name: "label", schema: { type: "object", properties: { label: { enum: ["a", "b"] } }, required: ["label"], additionalProperties: false } },
};

const answer = (text: string, extra: Partial<Generated> = {}): Generated => ({
  text,
  finishReason: "stop",
  usage: { inputTokens: 10, outputTokens: 4, provenance: "measured" },
  attempts: 1,
  ...extra,
});

/** A generator that answers the scripted texts in order and records whether each call was the re-generation. */
function scripted(...texts: Array<string | Generated>): { generate: (again: boolean) => Promise<Generated>; calls: boolean[] } {
  const calls: boolean[] = [];
  return {
    calls,
    generate: async (again) => {
      calls.push(again);
      const next = texts[calls.length - 1];
      if (next === undefined) throw new Error("asked once too often");
      return typeof next === "string" ? answer(next) : next;
    },
  };
}

const violation = (check: (e: FrugalError) => void) => (e: unknown) => {
  assert.ok(e instanceof FrugalError && e.code === "schema_violation", String(e));
  check(e);
  return true;
};

test("a valid first answer is returned once, as its JSON alone", async () => {
  const s = scripted('  {"label":"a"}\n\n');
  const r = await generateValid(request, "test", s.generate);
  assert.deepEqual(s.calls, [false]);
  assert.equal(r.text, '{"label":"a"}');
  assert.equal(r.attempts, 1);
});

test("without a schema the first answer is returned unchecked", async () => {
  const s = scripted("not json at all");
  const r = await generateValid({ messages: request.messages }, "test", s.generate);
  assert.equal(r.text, "not json at all");
  assert.deepEqual(s.calls, [false]);
});

test("an invalid answer is generated again once; the result counts both generations", async () => {
  const s = scripted(
    answer('{"label":"\uFFFD"}', { attempts: 2, computeMs: 5 }),
    answer('{"label":"b"}', { usage: { inputTokens: 10, outputTokens: 3, provenance: "modeled" }, computeMs: 7 }),
  );
  const r = await generateValid(request, "test", s.generate);
  assert.deepEqual(s.calls, [false, true]);
  assert.equal(r.text, '{"label":"b"}');
  assert.equal(r.attempts, 3);
  assert.equal(r.computeMs, 12);
  assert.deepEqual(r.usage, { inputTokens: 20, outputTokens: 7, provenance: "modeled" });
});

test("two invalid answers are a schema_violation, not retryable, with the attempts, problems and spent tokens", async () => {
  const s = scripted('{"label":"c"}', '{"label":"a","x":1}');
  await assert.rejects(
    generateValid(request, "llama-cpp tiny", s.generate),
    violation((e) => {
      assert.equal(e.retryable, false);
      assert.match(e.message, /^llama-cpp tiny: 2 generations did not fit the JSON schema "label": \$\.x: this property is not allowed/);
      assert.equal(e.details.attempts, 2);
      assert.equal(e.details.generations, 2);
      assert.deepEqual(e.details.usage, { inputTokens: 20, outputTokens: 8, provenance: "measured" });
      assert.equal(e.details.text, '{"label":"a","x":1}');
    }),
  );
  assert.deepEqual(s.calls, [false, true]);
});

test("an answer cut by maxTokens says to raise it", async () => {
  const cut = answer('{"label":"', { finishReason: "length" });
  await assert.rejects(
    generateValid(request, "p", scripted(cut, cut).generate),
    violation((e) => {
      assert.match(e.message, /cut by maxTokens: raise it/);
      assert.equal(e.details.finishReason, "length");
    }),
  );
});

test("a streamed answer is checked once, and its violation is retryable by the caller", () => {
  assert.doesNotThrow(() => checkStreamedAnswer(request, "p", answer('{"label":"a"}')));
  assert.doesNotThrow(() => checkStreamedAnswer({ messages: [] }, "p", answer("free text")));
  assert.throws(
    () => checkStreamedAnswer(request, "p", answer("{}")),
    violation((e) => {
      assert.equal(e.retryable, true);
      assert.equal(e.details.generations, 1);
      assert.match(e.message, /^p: a streamed answer did not fit/);
    }),
  );
});

test("the re-generation's seed differs, and stays a 32-bit unsigned integer", () => {
  assert.equal(nextSeed(undefined), undefined);
  assert.equal(nextSeed(41), 42);
  assert.equal(nextSeed(0xffffffff), 0);
});
