import { test } from "node:test";
import assert from "node:assert/strict";
import { nearestRank, percentile } from "./percentile.ts";

test("nearest rank: an observed value, never an interpolation; empty is 0", () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(nearestRank(sorted, 0.5), 5);
  assert.equal(nearestRank(sorted, 0.95), 10);
  assert.equal(nearestRank(sorted, 0), 1);
  assert.equal(nearestRank(sorted, 1), 10);
  assert.equal(nearestRank([], 0.5), 0);
  assert.equal(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 90), 9);
});
