import { test } from "node:test";
import assert from "node:assert/strict";
import { editDistance } from "./text-distance.ts";

test("edit distance: the classic cases, both argument orders, empty strings", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("sitting", "kitten"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("same", "same"), 0);
  assert.equal(editDistance("card_arival", "card_arrival"), 1, "one insertion");
  assert.equal(editDistance("gpt4o", "gpt-4o"), 1);
  assert.equal(editDistance("flaw", "lawn"), 2, "a deletion and an insertion beat two substitutions... or equal them");
});
