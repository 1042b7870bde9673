import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stableStringify } from "./stable-json.ts";

describe("stableStringify", () => {
  it("does not depend on the order objects were built in", () => {
    const a = { sweep: [], schema: "frugal.poc/v1", zeta: 1, alpha: { b: 2, a: 1 } };
    const b = { alpha: { a: 1, b: 2 }, zeta: 1, schema: "frugal.poc/v1", sweep: [] };
    assert.equal(stableStringify(a), stableStringify(b));
  });
  it("puts known keys first in reading order, then the others alphabetically", () => {
    const text = stableStringify({ provenance: "measured", extra: 1, value: 2, abc: 3 });
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ["value", "provenance", "abc", "extra"]);
    assert.ok(text.startsWith('{\n  "value": 2,'));
    assert.ok(text.endsWith("}\n"));
  });
  it("keeps arrays in order", () => {
    assert.deepEqual(JSON.parse(stableStringify({ sweep: [3, 1, 2] })), { sweep: [3, 1, 2] });
  });
});
