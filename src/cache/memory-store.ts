/**
 * The in-memory CacheStore: an exact LRU bounded by entry count (and, optionally, by the bytes its values take), with an
 * optional time-to-live. A Map keeps insertion
 * order, so "move to the back on read, evict from the front" is O(1) without a linked list of our own.
 */
import { FrugalError } from "../core/errors.ts";
import type { CacheStore, CacheStoreStats } from "./types.ts";

export interface MemoryStoreOptions<V = unknown> {
  /** Bound on the number of entries; the least recently used one is evicted beyond it. */
  maxEntries: number;
  /** Bound on the summed `sizeOf` of the values (e.g. response bytes); LRU entries are evicted beyond it. */
  maxBytes?: number;
  /** A value's size for `maxBytes`; required with it. */
  sizeOf?: (value: V) => number;
  /** Entries older than this are treated as absent. Unset: no expiry. */
  ttlMs?: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  storedAt: number;
  bytes: number;
}

export function createMemoryStore<V>(options: MemoryStoreOptions<V>): CacheStore<V> {
  if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
    throw new FrugalError("config_invalid", `cache max_entries must be an integer >= 1, got ${options.maxEntries}`);
  }
  if (options.ttlMs !== undefined && !(options.ttlMs > 0)) {
    throw new FrugalError("config_invalid", `cache ttl must be > 0 ms, got ${options.ttlMs}`);
  }
  if (options.maxBytes !== undefined && (!(options.maxBytes > 0) || options.sizeOf === undefined)) {
    throw new FrugalError("config_invalid", `cache max_bytes must be > 0 and comes with a sizeOf function, got ${options.maxBytes}`);
  }
  const { maxEntries, ttlMs } = options;
  const maxBytes = options.maxBytes ?? Infinity;
  const sizeOf = options.sizeOf ?? (() => 0);
  let bytes = 0;
  const now = options.now ?? Date.now;
  const map = new Map<string, Entry<V>>();
  const counters = { hits: 0, misses: 0, evictions: 0 };
  const remove = (key: string, entry: Entry<V>): void => {
    map.delete(key);
    bytes -= entry.bytes;
  };

  return {
    kind: "memory",
    async get(key) {
      const entry = map.get(key);
      if (entry === undefined || (ttlMs !== undefined && now() - entry.storedAt > ttlMs)) {
        if (entry !== undefined) remove(key, entry);
        counters.misses++;
        return undefined;
      }
      map.delete(key);
      map.set(key, entry);
      counters.hits++;
      return entry.value;
    },
    async set(key, value) {
      const previous = map.get(key);
      if (previous !== undefined) remove(key, previous);
      const size = sizeOf(value);
      // A value larger than the whole bound would evict everything and still not fit: it is not stored.
      if (size > maxBytes) return;
      map.set(key, { value, storedAt: now(), bytes: size });
      bytes += size;
      while (map.size > maxEntries || bytes > maxBytes) {
        const oldest = map.entries().next();
        if (oldest.done === true) break;
        remove(oldest.value[0], oldest.value[1]);
        counters.evictions++;
      }
    },
    async delete(key) {
      const entry = map.get(key);
      if (entry === undefined) return false;
      remove(key, entry);
      return true;
    },
    async clear() {
      map.clear();
      bytes = 0;
    },
    stats(): CacheStoreStats {
      return { entries: map.size, ...counters };
    },
    async close() {
      map.clear();
    },
  };
}
