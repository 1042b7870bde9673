import { test } from "node:test";
import assert from "node:assert/strict";
import { createPiiGuard } from "./guard.ts";
import { createRedactionSession } from "./session.ts";

const guard = createPiiGuard();

test("placeholders: upper-case type and a per-type index; the same value keeps its placeholder", () => {
  const session = createRedactionSession();
  const text = "a@b.fr wrote to c@d.fr, card 4111 1111 1111 1111, again a@b.fr";
  const redacted = guard.redactText(text, session);
  assert.equal(redacted, "[EMAIL_1] wrote to [EMAIL_2], card [CARD_1], again [EMAIL_1]");
  assert.equal(session.size, 3);
  assert.equal(session.valueOf("[EMAIL_2]"), "c@d.fr");
  // Across texts of one session (one conversation), a value keeps its placeholder.
  assert.equal(guard.redactText("reply to c@d.fr", session), "reply to [EMAIL_2]");
  assert.equal(createRedactionSession().placeholderFor("email", "c@d.fr"), "[EMAIL_1]", "sessions share nothing");
  assert.equal(session.placeholderFor("employee_id", "E1"), "[EMPLOYEE_ID_1]");
});

test("redactText reuses findings it is given instead of scanning again", () => {
  const session = createRedactionSession();
  assert.equal(guard.redactText("keep a@b.fr", session, []), "keep a@b.fr");
  assert.equal(guard.redactText("hide this", session, [{ type: "secret", start: 5, end: 9 }]), "hide [SECRET_1]");
});

test("restore: known placeholders back to values, unknown ones left as they are", () => {
  const session = createRedactionSession();
  guard.redactText("mail a@b.fr or call 06 12 34 56 78", session);
  assert.equal(session.restore("I wrote to [EMAIL_1] and [PHONE_1]; [EMAIL_9] and [email_1] stay."), "I wrote to a@b.fr and 06 12 34 56 78; [EMAIL_9] and [email_1] stay.");
  assert.equal(session.restore("no brackets"), "no brackets");
});

test("placeholder-shaped text typed by a user is escaped, so restore gives the original back", () => {
  const session = createRedactionSession();
  const first = "mail a@b.fr";
  const second = "I literally typed [EMAIL_1] and [CARD_7], also [EMAIL_1]";
  const r1 = guard.redactText(first, session);
  const r2 = guard.redactText(second, session);
  assert.equal(r1, "mail [EMAIL_1]");
  assert.equal(r2, "I literally typed [EMAIL_2] and [CARD_1], also [EMAIL_2]");
  assert.equal(session.restore(r1), first);
  assert.equal(session.restore(r2), second);
});
