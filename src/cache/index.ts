export type { CacheStore, CacheStoreStats } from "./types.ts";
export { createMemoryStore, type MemoryStoreOptions } from "./memory-store.ts";
export { cacheKey, canonicalText, hashConfig, requestKey, stableJson, CACHE_KEY_VERSION, type CacheKeyParts } from "./key.ts";
