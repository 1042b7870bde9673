import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../../core/errors.ts";
import { grammarSchema } from "./schema-subset.ts";

const rejects = (schema: Record<string, unknown>, path: string) =>
  assert.throws(
    () => grammarSchema(schema),
    (e: unknown) => e instanceof FrugalError && e.code === "input_invalid" && e.message.includes(`jsonSchema ${path}`),
    `expected a rejection at ${path}`,
  );

test("supported schemas pass, with annotations dropped and anyOf turned into oneOf", () => {
  const schema = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Receipt",
    type: "object",
    properties: {
      company: { type: "string", maxLength: 40, description: "seller" },
      date: { type: "string", format: "date" },
      email: { type: "string", format: "email" },
      total: { anyOf: [{ type: "string" }, { type: "null" }], default: null },
      kind: { type: "string", enum: ["a", "b", null] },
      tags: { type: "array", items: { $ref: "#/$defs/tag" }, maxItems: 3 },
      n: { type: ["integer", "null"] },
    },
    required: ["company"],
    additionalProperties: false,
    $defs: { tag: { type: "string", minLength: 1 } },
  };
  assert.deepEqual(grammarSchema(schema), {
    type: "object",
    properties: {
      company: { type: "string", maxLength: 40, description: "seller" },
      date: { type: "string", format: "date" },
      email: { type: "string" },
      total: { oneOf: [{ type: "string" }, { type: "null" }] },
      kind: { enum: ["a", "b", null] },
      tags: { type: "array", items: { $ref: "#/$defs/tag" }, maxItems: 3 },
      n: { type: ["integer", "null"] },
    },
    required: ["company"],
    additionalProperties: false,
    $defs: { tag: { type: "string", minLength: 1 } },
  });
});

test("what a grammar would silently get wrong is rejected with its key path", () => {
  rejects({ type: "strin" }, "$.type");
  rejects({}, "$");
  rejects({ type: "object", properties: { id: { type: "string", pattern: "^[0-9]+$" } } }, "$.properties.id.pattern");
  rejects({ type: "number", minimum: 0 }, "$.minimum");
  rejects({ allOf: [{ type: "string" }] }, "$");
  rejects({ type: "array", items: { $ref: "#/$defs/missing" } }, "$.items.$ref");
  rejects({ type: "array", items: { $ref: "#/definitions/x" }, definitions: { x: { type: "string" } } }, "$.items.$ref");
  rejects({ type: ["object", "null"] }, "$.type");
  rejects({ enum: [] }, "$.enum");
  rejects({ enum: [{ a: 1 }] }, "$.enum");
  rejects({ type: "string", maxLength: -1 }, "$.maxLength");
  rejects({ type: "object", patternProperties: { x: { type: "string" } } }, "$.patternProperties");
});
