import assert from "node:assert/strict";
import { test } from "node:test";
import { extend } from "./objects.ts";
import { keepsOneHiddenClass } from "./testing/hidden-class.ts";

const base = (): { a: number; b: string[] } => ({ a: 1, b: [] });

test("the check sees the problem it guards against: a spread followed by a new key makes a new hidden class per call", async () => {
  assert.equal(await keepsOneHiddenClass(() => ({ ...base(), c: 2 })), false);
  assert.equal(await keepsOneHiddenClass(() => ({ c: 2, ...base() })), true);
});

test("extend is { ...base, ...extra } with one hidden class per call site", async () => {
  assert.deepEqual(extend({ a: 1, b: 2 }, { b: 3, c: 4 }), { a: 1, b: 3, c: 4 });
  assert.equal(await keepsOneHiddenClass(() => extend(base(), { c: 2 })), true);
});
