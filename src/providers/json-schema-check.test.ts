import assert from "node:assert/strict";
import { test } from "node:test";
import { checkJsonAnswer, schemaProblems } from "./json-schema-check.ts";

const receipt = {
  type: "object",
  properties: {
    company: { type: "string", maxLength: 5 },
    total: { anyOf: [{ type: "string", minLength: 1 }, { type: "null" }] },
    kind: { enum: ["cash", "card"] },
    lines: { type: "array", items: { $ref: "#/$defs/line" }, minItems: 1, maxItems: 2 },
  },
  required: ["company", "total"],
  additionalProperties: false,
  $defs: { line: { type: "object", properties: { qty: { type: "integer", minimum: 1 } }, required: ["qty"] } },
};

const problems = (value: unknown, schema: Record<string, unknown> = receipt): string[] => schemaProblems(value, schema);

test("a valid answer has no problems, and lengths count code points, not UTF-16 units", () => {
  assert.deepEqual(problems({ company: "ACME", total: null, kind: "card", lines: [{ qty: 2 }] }), []);
  // Five code points, seven UTF-16 units: an emoji is one character to JSON Schema.
  assert.deepEqual(problems({ company: "ab😀😀c", total: "9" }), []);
  assert.deepEqual(problems({ company: "ab😀😀cd", total: "9" }), ["$.company: 6 characters, more than maxLength 5"]);
});

test("each keyword of the subset reports its own problem with a path", () => {
  assert.deepEqual(problems({ total: "9" }), ['$: the required property "company" is missing']);
  assert.deepEqual(problems({ company: "A", total: "9", extra: 1 }), ["$.extra: this property is not allowed (additionalProperties: false)"]);
  assert.deepEqual(problems({ company: 3, total: "9" }), ["$.company: expected string, got number"]);
  assert.deepEqual(problems({ company: "A", total: "" }), ["$.total: matches none of the anyOf schemas"]);
  assert.deepEqual(problems({ company: "A", total: "9", kind: "cheque" }), ['$.kind: "cheque" is not one of the enum values']);
  assert.deepEqual(problems({ company: "A", total: "9", lines: [] }), ["$.lines: 0 items, fewer than minItems 1"]);
  assert.deepEqual(problems({ company: "A", total: "9", lines: [{ qty: 1 }, { qty: 1 }, { qty: 1 }] }), ["$.lines: 3 items, more than maxItems 2"]);
  assert.deepEqual(problems({ company: "A", total: "9", lines: [{ qty: 1.5 }, { qty: 0 }] }), [
    "$.lines[0].qty: expected integer, got number",
    "$.lines[1].qty: 0 is below the minimum 1",
  ]);
  assert.deepEqual(problems([1, "x"], { type: "array", prefixItems: [{ type: "integer" }], items: { type: "integer" } }), ["$[1]: expected integer, got string"]);
  assert.deepEqual(problems("b", { const: "a" }), ['$: expected the constant "a"']);
  assert.deepEqual(problems(null, { type: ["string", "null"] }), []);
  assert.deepEqual(problems(3, { oneOf: [{ type: "integer" }, { type: "number" }] }), ["$: matches 2 of the oneOf schemas, not exactly one"]);
  assert.deepEqual(problems("2024-13-99", { type: "string", format: "date" }), [], "format is an annotation");
  assert.deepEqual(problems("12a", { type: "string", pattern: "^[0-9]+$" }), ["$: does not match the pattern ^[0-9]+$"]);
  assert.deepEqual(problems({ a: { b: 1 } }, { type: "object", additionalProperties: { type: "object", additionalProperties: { type: "string" } } }), [
    "$.a.b: expected string, got number",
  ]);
});

test("replacement characters and lone surrogates make any string invalid, keys included", () => {
  assert.deepEqual(problems({ company: "AC\uFFFD", total: "9" }), ["$.company: contains U+FFFD (bytes that were not valid UTF-8)"]);
  assert.deepEqual(problems({ company: "A", total: "\uD800" }), ["$.total: matches none of the anyOf schemas", "$.total: contains a lone UTF-16 surrogate"]);
  assert.deepEqual(problems("\uDC00x", { type: "string" }), ["$: contains a lone UTF-16 surrogate"]);
  assert.deepEqual(problems({ "k\uFFFD": "v" }, { type: "object" }), ["$.k\uFFFD: the property name contains U+FFFD (bytes that were not valid UTF-8)"]);
  // The flaky test's answer: 43 code points, four of them U+FFFD, for maxLength 40.
  const address = " remarkernal Needdoc\uFFFD\uFFFD\uFFFD\uFFFDmarketprojectских传ശ";
  assert.deepEqual(problems(address, { type: "string", maxLength: 40 }), [
    "$: contains U+FFFD (bytes that were not valid UTF-8)",
    "$: 43 characters, more than maxLength 40",
  ]);
});

test("checkJsonAnswer parses the text, tolerating whitespace, a code fence or prose around one object", () => {
  const schema = { type: "object", properties: { label: { enum: ["a", "b"] } }, required: ["label"] };
  assert.deepEqual(checkJsonAnswer('\n {"label":"a"}\n\n\n', schema), { ok: true, value: { label: "a" }, json: '{"label":"a"}' });
  assert.deepEqual(checkJsonAnswer('```json\n{"label":"b"}\n```', schema), { ok: true, value: { label: "b" }, json: '{"label":"b"}' });
  assert.deepEqual(checkJsonAnswer('Sure! {"label":"b"} Hope it helps.', schema), { ok: true, value: { label: "b" }, json: '{"label":"b"}' });
  assert.deepEqual(checkJsonAnswer('{"label":"c"}', schema), { ok: false, problems: ['$.label: "c" is not one of the enum values'] });
  assert.deepEqual(checkJsonAnswer("   ", schema), { ok: false, problems: ["the answer is empty"] });
  const cut = checkJsonAnswer('{"label":"a', schema);
  assert.ok(!cut.ok && /^the answer is not JSON/.test(cut.problems[0] ?? ""), JSON.stringify(cut));
});

test("problems are capped, and unresolvable $refs are reported rather than passed", () => {
  const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 1]));
  assert.equal(problems(many, { type: "object", additionalProperties: { type: "string" } }).length, 5);
  assert.deepEqual(problems("x", { $ref: "#/$defs/nope" }), ['$: cannot resolve $ref "#/$defs/nope"']);
  assert.deepEqual(problems(1, { $ref: "#/definitions/n", definitions: { n: { type: "string" } } }), ["$: expected string, got number"]);
});
