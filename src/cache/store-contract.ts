/**
 * The contract every CacheStore passes: the memory and Redis stores run the same suite from their own test files with
 * their own factory, which must honour every option it is given (`maxEntries`, and when present `maxBytes` with
 * `sizeOf`, and `ttlMs`; unset means unbounded / no expiry, or the store's own generous default).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import type { CacheStore } from "./types.ts";

export interface CacheStoreContractOptions {
  maxEntries: number;
  maxBytes?: number;
  sizeOf?: (value: { n: number }) => number;
  ttlMs?: number;
}

export function runCacheStoreContract(name: string, factory: (options: CacheStoreContractOptions) => Promise<CacheStore<{ n: number }>>): void {
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

  test(`${name}: an entry expires after its TTL, and an expired entry leaves the count`, async () => {
    const store = await factory({ maxEntries: 3, ttlMs: 400 });
    await store.set("a", { n: 1 });
    assert.deepEqual(await store.get("a"), { n: 1 });
    await sleep(600);
    assert.equal(await store.get("a"), undefined);
    assert.equal(store.stats().entries, 0);
    await store.close();
  });

  test(`${name}: a byte bound evicts least recently used values until the rest fit, and skips a value over the bound`, async () => {
    const store = await factory({ maxEntries: 100, maxBytes: 10, sizeOf: (v) => v.n });
    await store.set("a", { n: 4 });
    await store.set("b", { n: 4 });
    await store.get("a"); // b is now the least recently used
    await store.set("c", { n: 4 }); // 12 > 10: b goes
    assert.equal(await store.get("b"), undefined);
    assert.deepEqual(await store.get("a"), { n: 4 });
    assert.deepEqual(await store.get("c"), { n: 4 });
    await store.set("huge", { n: 11 });
    assert.equal(await store.get("huge"), undefined);
    assert.equal(store.stats().entries, 2);
    await store.set("a", { n: 1 }); // overwriting frees the old size: 1 + 4 + 4 fits
    await store.set("d", { n: 4 });
    assert.deepEqual(await store.get("c"), { n: 4 });
    assert.deepEqual(await store.get("a"), { n: 1 });
    assert.equal(store.stats().evictions, 1);
    await store.close();
  });
}
