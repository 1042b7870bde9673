import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../core/errors.ts";
import { createPiiGuard, summarize } from "./guard.ts";
import { resolveOverlaps } from "./resolve.ts";
import { found } from "./test-helpers.ts";

test("overlaps: the longer span wins, then the more specific type, then the earlier start", () => {
  assert.deepEqual(resolveOverlaps([
    { type: "fr_siren", start: 0, end: 9 },
    { type: "fr_siret", start: 0, end: 14 },
  ]), [{ type: "fr_siret", start: 0, end: 14 }]);
  assert.deepEqual(resolveOverlaps([
    { type: "card", start: 5, end: 19 },
    { type: "fr_siret", start: 5, end: 19 },
  ]), [{ type: "fr_siret", start: 5, end: 19 }]);
  assert.deepEqual(resolveOverlaps([
    { type: "employee_id", start: 0, end: 10 },
    { type: "phone", start: 0, end: 10 },
  ]), [{ type: "employee_id", start: 0, end: 10 }], "a user pattern beats a built-in at equal length");
  assert.deepEqual(resolveOverlaps([
    { type: "phone", start: 4, end: 10 },
    { type: "phone", start: 0, end: 6 },
    { type: "ip", start: 20, end: 30 },
  ]), [{ type: "phone", start: 0, end: 6 }, { type: "ip", start: 20, end: 30 }]);
});

test("overlaps in text: an email holding a phone number, a 14-digit Diners-shaped SIRET", () => {
  assert.deepEqual(found("write 0612345678@example.fr"), ["email:0612345678@example.fr"]);
  // 36… with 14 digits is both a Diners Club card shape and a SIRET shape, and Luhn is the same check for both.
  assert.deepEqual(found("ref 36000000000008"), ["fr_siret:36000000000008"]);
  assert.deepEqual(found("ref 36000000000008", { types: ["card"] }), ["card:36000000000008"]);
});

test("types: only the enabled detectors run", () => {
  const text = "jean@example.fr 06 12 34 56 78 4111111111111111";
  assert.deepEqual(found(text, { types: ["email"] }), ["email:jean@example.fr"]);
  assert.deepEqual(found(text, { types: [] }), []);
  assert.deepEqual(createPiiGuard({ types: ["card", "email"] }).types, ["email", "card"]);
});

test("user patterns: found next to the built-ins, and longer built-ins still win", () => {
  const guard = createPiiGuard({ patterns: [{ name: "employee_id", pattern: String.raw`\bEMP-\d{6}\b` }, { name: "project", pattern: "projet\\s+(alpha|omega)", flags: "i" }] });
  const text = "EMP-123456 works on PROJET Alpha, mail jean@example.fr";
  assert.deepEqual(guard.scan(text).map((f) => `${f.type}:${text.slice(f.start, f.end)}`), ["employee_id:EMP-123456", "project:PROJET Alpha", "email:jean@example.fr"]);
  assert.deepEqual(guard.types.slice(-2), ["employee_id", "project"]);
  const short = createPiiGuard({ patterns: [{ name: "digits4", pattern: String.raw`\d{4}` }] });
  assert.deepEqual(short.scan("4111 1111 1111 1111").map((f) => f.type), ["card"]);
});

test("user patterns: a bad regex fails at creation with config_invalid naming the pattern", () => {
  assert.throws(
    () => createPiiGuard({ patterns: [{ name: "contract", pattern: "CT-(\\d+" }] }),
    (error: unknown) => error instanceof FrugalError && error.code === "config_invalid" && error.message.includes('"contract"') && error.details.pattern === "contract",
  );
  assert.throws(() => createPiiGuard({ patterns: [{ name: "empty", pattern: "x*" }] }), /matches the empty string/);
});

test("options are validated once: unknown types, bad names, duplicate names, bad flags", () => {
  const invalid = (options: unknown, part: RegExp) =>
    assert.throws(() => createPiiGuard(options as never), (e: unknown) => e instanceof FrugalError && e.code === "config_invalid" && part.test(e.message));
  invalid({ types: ["passport"] }, /types\[0\]/);
  invalid({ patterns: [{ name: "Employee", pattern: "x" }] }, /patterns\[0\]\.name/);
  invalid({ patterns: [{ name: "email", pattern: "x" }] }, /built-in/);
  invalid({ patterns: [{ name: "a", pattern: "x" }, { name: "a", pattern: "y" }] }, /unique/);
  invalid({ patterns: [{ name: "a", pattern: "x", flags: "g" }] }, /flags/);
  invalid({ extra: true }, /extra|Unrecognized/);
});

test("counts and summarize give types and counts, never values", () => {
  const guard = createPiiGuard();
  const findings = guard.scan("a@b.fr, c@d.fr, 06 12 34 56 78");
  assert.deepEqual(guard.counts(findings), { email: 2, phone: 1 });
  assert.deepEqual(summarize(findings), { total: 3, byType: { email: 2, phone: 1 } });
  assert.deepEqual(summarize([]), { total: 0, byType: {} });
  assert.equal(JSON.stringify(summarize(findings)).includes("@"), false);
});

test("scanMessages: string content, text parts, other parts skipped", () => {
  const guard = createPiiGuard();
  const messages = [
    { role: "system", content: "no pii here" },
    { role: "user", content: [{ type: "image_url", image_url: { url: "http://10.0.0.1/x.png" } }, { type: "text", text: "mail a@b.fr" }] },
    { role: "assistant", content: null, tool_calls: [] },
    { role: "user", content: "call 06 12 34 56 78" },
  ];
  const findings = guard.scanMessages(messages);
  assert.deepEqual(findings, [
    { type: "email", start: 5, end: 11, message: 1, part: 1 },
    { type: "phone", start: 5, end: 19, message: 3 },
  ]);
});

test("number tokens: brackets and punctuation around a number, signs and glued words", () => {
  assert.deepEqual(found("(06 12 34 56 78)"), ["phone:06 12 34 56 78"]);
  assert.deepEqual(found("(card 4111 1111 1111 1111)"), ["card:4111 1111 1111 1111"]);
  assert.deepEqual(found("[4111111111111111]"), ["card:4111111111111111"]);
  assert.deepEqual(found("tel:+33612345678;"), ["phone:+33612345678"]);
  assert.deepEqual(found("x+33612345678"), [], "glued to a word");
  assert.deepEqual(found("ID4111111111111111"), [], "glued to a word");
  // Two identifiers with only a space or a comma between them read as one run: neither is flagged (documented cost).
  assert.deepEqual(found("0612345678,0712345678"), []);
});
