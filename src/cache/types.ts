/**
 * The CacheStore contract: a bounded key → value store the cache tiers sit on. One small async interface so an in-memory
 * store (this issue), sqlite and redis stores (later) are interchangeable and pass one shared contract suite
 * (store-contract.ts). Keys are already-hashed strings: stores never see raw prompts, so a shared redis holds no user text
 * in its key space.
 */

export interface CacheStoreStats {
  entries: number;
  hits: number;
  misses: number;
  evictions: number;
}

export interface CacheStore<V> {
  readonly kind: string;
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V): Promise<void>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<void>;
  stats(): CacheStoreStats;
  close(): Promise<void>;
}
