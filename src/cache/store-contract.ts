/**
 * The contract every CacheStore passes: the memory store today, sqlite and redis stores later run the same suite from
 * their own test files with their own factory. Stores under test must be bounded to `maxEntries` = 3.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CacheStore } from "./types.ts";

export function runCacheStoreContract(name: string, factory: (options: { maxEntries: number }) => Promise<CacheStore<{ n: number }>>): void {
  test(`${name}: get after set returns the value; unknown keys miss`, async () => {
    const store = await factory({ maxEntries: 3 });
    await store.set("a", { n: 1 });
    assert.deepEqual(await store.get("a"), { n: 1 });
    assert.equal(await store.get("zz"), undefined);
    const stats = store.stats();
    assert.equal(stats.hits, 1);
    assert.equal(stats.misses, 1);
    await store.close();
  });

  test(`${name}: set overwrites, delete removes, clear empties`, async () => {
    const store = await factory({ maxEntries: 3 });
    await store.set("a", { n: 1 });
    await store.set("a", { n: 2 });
    assert.deepEqual(await store.get("a"), { n: 2 });
    assert.equal(await store.delete("a"), true);
    assert.equal(await store.delete("a"), false);
    await store.set("b", { n: 3 });
    await store.clear();
    assert.equal(await store.get("b"), undefined);
    assert.equal(store.stats().entries, 0);
    await store.close();
  });

  test(`${name}: bounded, evicting the least recently used entry`, async () => {
    const store = await factory({ maxEntries: 3 });
    await store.set("a", { n: 1 });
    await store.set("b", { n: 2 });
    await store.set("c", { n: 3 });
    await store.get("a"); // a is now the most recently used: b goes first
    await store.set("d", { n: 4 });
    assert.equal(await store.get("b"), undefined);
    assert.deepEqual(await store.get("a"), { n: 1 });
    assert.deepEqual(await store.get("d"), { n: 4 });
    assert.equal(store.stats().entries, 3);
    assert.ok(store.stats().evictions >= 1);
    await store.close();
  });
}
