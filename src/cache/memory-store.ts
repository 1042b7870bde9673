/**
 * The in-memory CacheStore: an exact LRU bounded by entry count, with an optional time-to-live. A Map keeps insertion
 * order, so "move to the back on read, evict from the front" is O(1) without a linked list of our own.
 */
import { FrugalError } from "../core/errors.ts";
import type { CacheStore, CacheStoreStats } from "./types.ts";

export interface MemoryStoreOptions {
  /** Bound on the number of entries; the least recently used one is evicted beyond it. */
  maxEntries: number;
  /** Entries older than this are treated as absent. Unset: no expiry. */
  ttlMs?: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  storedAt: number;
}

export function createMemoryStore<V>(options: MemoryStoreOptions): CacheStore<V> {
  if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
    throw new FrugalError("config_invalid", `cache max_entries must be an integer >= 1, got ${options.maxEntries}`);
  }
  if (options.ttlMs !== undefined && !(options.ttlMs > 0)) {
    throw new FrugalError("config_invalid", `cache ttl must be > 0 ms, got ${options.ttlMs}`);
  }
  const { maxEntries, ttlMs } = options;
  const now = options.now ?? Date.now;
  const map = new Map<string, Entry<V>>();
  const counters = { hits: 0, misses: 0, evictions: 0 };

  return {
    kind: "memory",
    async get(key) {
      const entry = map.get(key);
      if (entry === undefined || (ttlMs !== undefined && now() - entry.storedAt > ttlMs)) {
        if (entry !== undefined) map.delete(key);
        counters.misses++;
        return undefined;
      }
      map.delete(key);
      map.set(key, entry);
      counters.hits++;
      return entry.value;
    },
    async set(key, value) {
      map.delete(key);
      map.set(key, { value, storedAt: now() });
      while (map.size > maxEntries) {
        const oldest = map.keys().next();
        if (oldest.done === true) break;
        map.delete(oldest.value);
        counters.evictions++;
      }
    },
    async delete(key) {
      return map.delete(key);
    },
    async clear() {
      map.clear();
    },
    stats(): CacheStoreStats {
      return { entries: map.size, ...counters };
    },
    async close() {
      map.clear();
    },
  };
}
