/**
 * A CacheStore on Redis, shared by every replica: values as JSON with a TTL (PX), bounded by bytes and entries with
 * least-recently-used eviction, all bookkeeping in Lua scripts so replicas racing on one namespace keep it consistent.
 *
 * Keys (N = namespace): `N v:<key>` the value; `N m:lru` ZSET key → last access (a per-namespace monotonic µs clock from
 * Redis TIME, so no two accesses tie and LRU order is exact across replicas); `N m:size` HASH key → bytes; `N m:bytes`
 * the total. The gateway's keys already carry the tenant inside a sha256, so a namespace only separates deployments.
 * An entry that expired by TTL leaves the bookkeeping when it is next read, or, once its last access is older than the
 * TTL (it is then certainly gone), on the next set. Values are evicted with keys built inside the script from the
 * namespace: fine on a standalone Redis or a primary, not on Redis Cluster.
 *
 * A cache must never hurt the request path: any Redis error (down, timeout, a value that fails to parse) makes get a
 * miss and set a no-op, calls onError and is counted in stats().errors; nothing here throws, and a value is only ever
 * returned from the exact key it was stored under, within its TTL.
 */
import { z } from "zod";
import type { Redis } from "ioredis";
import { validateConfig } from "../core/config-file.ts";
import { openRedis } from "../ledger/redis/connection.ts";
import type { CacheStore, CacheStoreStats } from "./types.ts";

export interface RedisCacheStoreOptions<V> {
  url: string;
  /** Prefix of every key: one per deployment (or test). */
  namespace: string;
  /** Bound on the summed sizes of the values; least recently used entries are evicted beyond it. */
  maxBytes: number;
  ttlMs: number;
  maxEntries?: number;
  /** A value's size for maxBytes; default the bytes of its JSON, what it takes in Redis. */
  sizeOf?: (value: V) => number;
  onError?: (error: unknown) => void;
  /** Per command (default 250 ms): a cache slower than that is worse than a miss. */
  commandTimeoutMs?: number;
}

export interface RedisCacheStoreStats extends CacheStoreStats {
  /** Redis failures met by this instance (each one a miss or a skipped set). */
  errors: number;
}

export interface RedisCacheStore<V> extends CacheStore<V> {
  stats(): RedisCacheStoreStats;
}

const optionsSchema = z.object({
  url: z.string().regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL"),
  namespace: z.string().min(1),
  maxBytes: z.number().positive(),
  ttlMs: z.number().int().positive(),
  maxEntries: z.number().int().positive().default(Number.MAX_SAFE_INTEGER),
  commandTimeoutMs: z.number().int().positive().max(60_000).default(250),
});

// KEYS: lru, size, bytes, clock, value · shared helpers.
const PRELUDE = `
local function tick()
  local t = redis.call('TIME')
  local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = tonumber(redis.call('GET', KEYS[4]) or '0')
  if us <= last then us = last + 1 end
  local s = string.format('%.0f', us)
  redis.call('SET', KEYS[4], s)
  return s, us
end
local function forget(key)
  local size = redis.call('HGET', KEYS[2], key)
  redis.call('HDEL', KEYS[2], key)
  redis.call('ZREM', KEYS[1], key)
  if size then redis.call('DECRBY', KEYS[3], size) end
end
`;

/** ARGV key json bytes ttlMs maxBytes maxEntries valuePrefix → {evicted, entries} */
const SET = `${PRELUDE}
local score, us = tick()
local prefix = ARGV[7]
for _, k in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', us - tonumber(ARGV[4]) * 1000))) do
  forget(k)
  redis.call('DEL', prefix .. k)
end
forget(ARGV[1])
if tonumber(ARGV[3]) > tonumber(ARGV[5]) then
  redis.call('DEL', KEYS[5])
  return {0, redis.call('ZCARD', KEYS[1])}
end
redis.call('SET', KEYS[5], ARGV[2], 'PX', ARGV[4])
redis.call('ZADD', KEYS[1], score, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local bytes = redis.call('INCRBY', KEYS[3], ARGV[3])
local evicted = 0
while redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[6]) or bytes > tonumber(ARGV[5]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not oldest then break end
  forget(oldest)
  evicted = evicted + redis.call('DEL', prefix .. oldest)
  bytes = tonumber(redis.call('GET', KEYS[3]) or '0')
end
return {evicted, redis.call('ZCARD', KEYS[1])}
`;

/** ARGV key → {entries, json|nil}; a hit becomes the most recently used. */
const GET = `${PRELUDE}
local v = redis.call('GET', KEYS[5])
if v then
  redis.call('ZADD', KEYS[1], (tick()), ARGV[1])
else
  forget(ARGV[1])
end
return {redis.call('ZCARD', KEYS[1]), v}
`;

/** ARGV key → {existed, entries} */
const DELETE = `${PRELUDE}
local existed = redis.call('DEL', KEYS[5])
forget(ARGV[1])
return {existed, redis.call('ZCARD', KEYS[1])}
`;

/** ARGV valuePrefix → how many entries this chunk removed (the caller loops until a short chunk). */
const CLEAR_CHUNK = `${PRELUDE}
local keys = redis.call('ZRANGE', KEYS[1], 0, 999)
for _, k in ipairs(keys) do
  forget(k)
  redis.call('DEL', ARGV[1] .. k)
end
return #keys
`;

type Args = (string | number)[];
interface Scripted extends Redis {
  frugalCacheSet(...args: Args): Promise<[number, number]>;
  frugalCacheGet(...args: Args): Promise<[number, string | null]>;
  frugalCacheDelete(...args: Args): Promise<[number, number]>;
  frugalCacheClear(...args: Args): Promise<number>;
}

export function createRedisCacheStore<V>(options: RedisCacheStoreOptions<V>): RedisCacheStore<V> {
  const { url, namespace, maxBytes, ttlMs, maxEntries, commandTimeoutMs } = validateConfig(optionsSchema, options, "cache.redis");
  const connection = openRedis({ url, commandTimeoutMs, role: "cache" });
  const client = connection.client as Scripted;
  for (const [name, lua] of [["frugalCacheSet", SET], ["frugalCacheGet", GET], ["frugalCacheDelete", DELETE], ["frugalCacheClear", CLEAR_CHUNK]] as const) {
    client.defineCommand(name, { numberOfKeys: 5, lua });
  }
  const valuePrefix = `${namespace}v:`;
  const meta = [`${namespace}m:lru`, `${namespace}m:size`, `${namespace}m:bytes`, `${namespace}m:clock`];
  const keysOf = (key: string): string[] => [...meta, `${valuePrefix}${key}`];
  const counts = { entries: 0, hits: 0, misses: 0, evictions: 0, errors: 0 };

  /** Runs a store operation; an error is reported and counted, and the caller gets `fallback`. */
  async function guarded<T>(fallback: T, op: (c: Scripted) => Promise<T>): Promise<T> {
    try {
      return await connection.run(() => op(client));
    } catch (error) {
      counts.errors++;
      options.onError?.(new Error(connection.describe(error), { cause: error }));
      return fallback;
    }
  }

  return {
    kind: "redis",
    async get(key) {
      const found = await guarded<V | undefined>(undefined, async (c) => {
        const [entries, json] = await c.frugalCacheGet(...keysOf(key), key);
        counts.entries = entries;
        return json === null ? undefined : (JSON.parse(json) as V);
      });
      if (found === undefined) counts.misses++;
      else counts.hits++;
      return found;
    },
    async set(key, value) {
      const json = JSON.stringify(value);
      if (json === undefined) return; // undefined (or a function) has no JSON form: nothing to store
      const bytes = options.sizeOf?.(value) ?? Buffer.byteLength(json);
      await guarded(undefined, async (c) => {
        const [evicted, entries] = await c.frugalCacheSet(...keysOf(key), key, json, bytes, ttlMs, maxBytes, maxEntries, valuePrefix);
        counts.evictions += evicted;
        counts.entries = entries;
      });
    },
    async delete(key) {
      return guarded(false, async (c) => {
        const [existed, entries] = await c.frugalCacheDelete(...keysOf(key), key);
        counts.entries = entries;
        return existed === 1;
      });
    },
    async clear() {
      await guarded(undefined, async (c) => {
        // In chunks: one script deleting a million entries would stall every other client of this Redis.
        while ((await c.frugalCacheClear(...keysOf(""), valuePrefix)) === 1000);
        counts.entries = 0;
      });
    },
    stats: () => ({ ...counts }),
    close: () => connection.close(),
  };
}
