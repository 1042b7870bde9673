import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createPiiGuard } from "./guard.ts";
import { createRedactionSession } from "./session.ts";

const guard = createPiiGuard();

test("redactMessages: string and text-part content are redacted; images, tool calls and untouched messages are kept", () => {
  const toolCall = { id: "call_1", type: "function", function: { name: "send", arguments: '{"to":"a@b.fr"}' } };
  const image = { type: "image_url", image_url: { url: "https://example.com/a@b.fr.png" } };
  const system = { role: "system", content: "You are helpful." };
  const messages = [
    system,
    { role: "user", content: [{ type: "text", text: "I am a@b.fr" }, image] },
    { role: "assistant", content: null, tool_calls: [toolCall] },
    { role: "tool", tool_call_id: "call_1", content: "sent to a@b.fr and 06 12 34 56 78" },
  ];
  const session = createRedactionSession();
  const { messages: out, findings } = guard.redactMessages(messages, session);
  assert.deepEqual(out, [
    system,
    { role: "user", content: [{ type: "text", text: "I am [EMAIL_1]" }, image] },
    { role: "assistant", content: null, tool_calls: [toolCall] },
    { role: "tool", tool_call_id: "call_1", content: "sent to [EMAIL_1] and [PHONE_1]" },
  ]);
  assert.equal(out[0], system, "a message without findings is the same object");
  assert.equal(out[2], messages[2]);
  assert.notEqual(out[1], messages[1], "a changed message is a copy...");
  assert.equal((messages[1] as { content: Array<{ text?: string }> }).content[0]?.text, "I am a@b.fr", "...and the input is not mutated");
  assert.deepEqual(findings, [
    { type: "email", start: 5, end: 11, message: 1, part: 0 },
    { type: "email", start: 8, end: 14, message: 3 },
    { type: "phone", start: 19, end: 33, message: 3 },
  ]);
  assert.equal(session.restore("[EMAIL_1] / [PHONE_1]"), "a@b.fr / 06 12 34 56 78");
});

test("redactMessages takes parsed request JSON as it comes: odd shapes pass through, nothing throws", () => {
  const messages: Array<Record<string, unknown>> = [
    { role: "user", content: 42 },
    { role: "user", content: [null, 7, "a@b.fr", { type: "text", text: 3 }, { type: "text", text: "a@b.fr" }] },
    { role: "user" },
  ];
  const { messages: out, findings } = guard.redactMessages(messages, createRedactionSession());
  assert.deepEqual(out[1]?.content, [null, 7, "a@b.fr", { type: "text", text: 3 }, { type: "text", text: "[EMAIL_1]" }]);
  assert.equal(out[0], messages[0]);
  assert.equal(out[2], messages[2]);
  assert.equal(findings.length, 1);
  fc.assert(
    fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), (values) => {
      const session = createRedactionSession();
      const asMessages = values.map((v) => ({ role: "user", content: v }));
      const { messages: redacted } = guard.redactMessages(asMessages, session);
      assert.equal(redacted.length, asMessages.length);
      assert.deepEqual(JSON.parse(session.restore(JSON.stringify(redacted))), JSON.parse(JSON.stringify(asMessages)));
    }),
    { numRuns: 300 },
  );
});
