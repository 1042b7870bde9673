import { test } from "node:test";
import assert from "node:assert/strict";
import { createRedactionSession } from "./session.ts";

function sessionWith(...values: Array<[string, string]>) {
  const session = createRedactionSession();
  for (const [type, value] of values) session.placeholderFor(type, value);
  return session;
}

test("a placeholder split across deltas is restored whole", () => {
  const restorer = sessionWith(["email", "a@b.fr"]).streamRestorer();
  assert.equal(restorer.push("Write to [EM"), "Write to ");
  assert.equal(restorer.push("AIL_1"), "");
  assert.equal(restorer.push("] today"), "a@b.fr today");
  assert.equal(restorer.flush(), "");
});

test("only a possible placeholder prefix is held back", () => {
  const session = sessionWith(["email", "a@b.fr"], ["card", "4111111111111111"]);
  const restorer = session.streamRestorer();
  assert.equal(restorer.push("see [note] and [x"), "see [note] and [x", "[x cannot start [EMAIL_1] or [CARD_1]");
  assert.equal(restorer.push(" [C"), " ");
  assert.equal(restorer.push("ARD_2] [CARD_1"), "[CARD_2] ");
  assert.equal(restorer.push("]"), "4111111111111111");
  assert.equal(restorer.push("[EMAIL_1]"), "a@b.fr", "a complete placeholder at the end is not held");
  assert.equal(restorer.push("[EMAIL_"), "");
  assert.equal(restorer.flush(), "[EMAIL_", "an unfinished placeholder is sent as it is at the end");
});

test("a session with no placeholders passes text straight through", () => {
  const restorer = createRedactionSession().streamRestorer();
  assert.equal(restorer.push("[EM"), "[EM");
  assert.equal(restorer.flush(), "");
});

test("[EMAIL_1 is held while [EMAIL_12] may still come", () => {
  const session = createRedactionSession();
  for (let i = 0; i < 12; i++) session.placeholderFor("email", `u${i}@b.fr`);
  const restorer = session.streamRestorer();
  assert.equal(restorer.push("x [EMAIL_1"), "x ");
  assert.equal(restorer.push("2]"), "u11@b.fr");
});
