import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ValueMemory } from "./memory.ts";
import { canonicalKey } from "./normalize.ts";

describe("ValueMemory", () => {
  const memory = new ValueMemory();
  for (const v of ["27, JALAN DEDAP 13", "27, JALAN DEDAP 13", "27,JALAN DEDAP 13", "99 SPEED MART S/B"]) memory.add(v);
  const key = canonicalKey("27,JALAN  dedap 13");

  it("groups spellings under one canonical key and answers the most used one", () => {
    assert.equal(memory.size, 2);
    assert.equal(memory.count(key), 3);
    assert.equal(memory.spelling(key), "27, JALAN DEDAP 13");
    assert.equal(memory.spelling(canonicalKey("unknown")), null);
  });

  it("counts leave-one-out: a document's own label does not vouch for it", () => {
    assert.equal(memory.count(key, "27,JALAN DEDAP 13"), 2);
    assert.equal(memory.count(canonicalKey("99 SPEED MART S/B"), "99 SPEED MART S/B"), 0);
    assert.equal(memory.count(key, "99 SPEED MART S/B"), 3);
  });

  it("round-trips through its entries", () => {
    const copy = ValueMemory.fromEntries(memory.entries());
    assert.equal(copy.count(key), 3);
    assert.equal(copy.spelling(key), memory.spelling(key));
  });
});
