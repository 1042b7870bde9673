/**
 * The gateway's exact response cache. A key covers the tenant (the team, unless teams share by config), the task or route,
 * and every parameter that can change the answer, as canonical JSON: the whole request body but its transport fields
 * (`stream`, `stream_options`). Only deterministic requests are cached (temperature 0, or a task, whose tiers are), only
 * successful answers are stored, and the store is bounded by bytes with a TTL: a cache that replays an error as a 200,
 * or a cheap model's answer to a request that named another, is worse than none. The store is the caller's (memory, or
 * Redis shared by replicas: src/gateway/stores.ts); a store error is a miss, never a failed request.
 */
import { requestKey, type CacheStore } from "../cache/index.ts";

export interface CachedEntry {
  /** What is replayed: for a route, the upstream's JSON text; for a task, the stored answer. */
  payload: unknown;
  bytes: number;
}

export interface ExactCacheOptions {
  enabled: boolean;
  /** Bounded by bytes (`CachedEntry.bytes`) and TTL: the store's options, set by who builds it. */
  store: CacheStore<CachedEntry>;
  cacheSampled: boolean;
  shareAcrossTeams: boolean;
}

export interface ExactCache {
  readonly enabled: boolean;
  /** Whether a route request may be served from and stored in the cache. */
  cacheableRoute(body: Record<string, unknown>, temperature: number | undefined): boolean;
  key(team: string, target: string, request: unknown): string;
  get(key: string): Promise<CachedEntry | undefined>;
  set(key: string, entry: CachedEntry): Promise<void>;
  close(): Promise<void>;
}

export function createExactCache(options: ExactCacheOptions): ExactCache {
  const { store } = options;
  return {
    enabled: options.enabled,
    cacheableRoute(body, temperature) {
      if (!options.enabled || body.stream === true) return false;
      // OpenAI's default temperature is 1: a request that sets none is sampled.
      if (!options.cacheSampled && temperature !== 0) return false;
      const n = body.n;
      return n === undefined || n === null || n === 1;
    },
    key: (team, target, request) => requestKey(options.shareAcrossTeams ? "*" : team, target, request),
    get: (key) => store.get(key),
    set: (key, entry) => store.set(key, entry),
    close: () => store.close(),
  };
}
