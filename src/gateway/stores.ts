/**
 * The gateway's stores, chosen by frugal.yaml: keys, counters (budgets, rate limits), the ledger, and the exact cache's
 * store. Defaults are one process on SQLite and memory under --data-dir. With urls:
 *   ledger.url (PostgreSQL)  the ledger, behind a bounded local spill file that holds rows while PostgreSQL is down;
 *   keys.url (PostgreSQL)    the keys (default: the ledger's PostgreSQL when it has one), cached per replica for cache_ttl_ms;
 *   counters.url (Redis)     budgets and rate limits, atomic across replicas;
 *   cache.url (Redis)        the exact cache, shared across replicas (entries stay scoped per team).
 * Only PostgreSQL + Redis for all four make replicas share everything; any mix is allowed (e.g. Redis counters with the
 * ledger on SQLite: each replica keeps its own ledger). pg and ioredis are loaded only when a url names them.
 * `health()` probes each store (a cheap read, bounded in time) for /readyz.
 */
import { join } from "node:path";
import type { CacheStore } from "../cache/index.ts";
import { createMemoryStore } from "../cache/index.ts";
import { FrugalError } from "../core/errors.ts";
import { openSqliteGovernance, type Counters, type Governance as SqliteGovernance, type KeyStore, type LedgerStore } from "../ledger/index.ts";
import type { GatewayConfig } from "./config.ts";
import type { GatewayLog } from "./context.ts";
import type { PgStores } from "../ledger/postgres/index.ts";
import type { SpillingLedger, SpillState } from "../ledger/spill-ledger.ts";
import type { StoreName } from "./metrics.ts";
import { PG_SCHEMES, REDIS_SCHEMES, redactUrl, resolveStoreUrl } from "./store-config.ts";

export type StoreConfig = Pick<GatewayConfig, "ledger" | "keys" | "counters" | "cache">;

export interface StoreHealth {
  /** spilling: PostgreSQL is down and rows wait in the local spill (still served); down: the spill is full. */
  ledger: "ok" | "spilling" | "down";
  keys: "ok" | "down";
  counters: "ok" | "down";
  cache: "ok" | "down";
}

export interface StoreKinds {
  ledger: "sqlite" | "postgres";
  keys: "sqlite" | "postgres";
  counters: "sqlite" | "redis";
  cache: "memory" | "redis";
}

export interface CacheStoreRequest<V> {
  maxBytes: number;
  ttlMs: number;
  sizeOf: (value: V) => number;
}

export interface GatewayStores {
  readonly kinds: StoreKinds;
  readonly keys: KeyStore;
  readonly counters: Counters;
  readonly ledger: LedgerStore;
  /** A cache store of the configured kind (closed by its owner). */
  cacheStore<V>(request: CacheStoreRequest<V>): CacheStore<V>;
  /** False while a ledger row cannot be recorded (PostgreSQL down and the spill full). */
  ledgerWritable(): boolean;
  /** Rows and bytes waiting in the spill file; undefined without one. */
  spill(): { rows: number; bytes: number } | undefined;
  health(): Promise<StoreHealth>;
  /** Flushes pending spend and closes every store, in order. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  dataDir: string;
  env: Record<string, string | undefined>;
  log: GatewayLog;
  /**
   * serve: the ledger writes through the spill file and SQLite checkpoints in the background. cli: the ledger is the store
   * itself (verify, export and prune read what is there), SQLite checkpoints inline.
   */
  purpose: "serve" | "cli";
  /** false: a SQLite db that holds keys or the ledger must exist already (commands that only read). Default true. */
  create?: boolean;
  /** A store call failed (counted in /metrics): the cache's become misses, the ledger's go to the spill. */
  onStoreError?: (store: StoreName) => void;
}

/** The spill file under the data dir: per replica, so each replica needs a data dir of its own. */
export const LEDGER_SPILL_FILE = "ledger-spill.jsonl";

const PROBE_ID = "frugal-health-probe";
const PROBE_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<unknown>): Promise<"ok" | "down"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"down">((resolve) => {
    timer = setTimeout(() => resolve("down"), PROBE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([check().then(() => "ok" as const, () => "down" as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function healthOfSpill(state: SpillState): StoreHealth["ledger"] {
  return state.full ? "down" : state.spilling ? "spilling" : "ok";
}

export async function openGatewayStores(config: StoreConfig, options: OpenStoresOptions): Promise<GatewayStores> {
  const { env, log } = options;
  const storeError = options.onStoreError ?? (() => undefined);
  const pgUrl = (value: string | undefined, keyPath: string) => (value === undefined ? undefined : resolveStoreUrl(value, PG_SCHEMES, env, keyPath));
  const redisUrl = (value: string | undefined, keyPath: string) => (value === undefined ? undefined : resolveStoreUrl(value, REDIS_SCHEMES, env, keyPath));
  const ledgerUrl = pgUrl(config.ledger.url, "ledger.url");
  const keysUrl = pgUrl(config.keys.url, "keys.url") ?? ledgerUrl;
  const keysSchema = config.keys.schema ?? config.ledger.schema;
  const countersUrl = redisUrl(config.counters.url, "counters.url");
  const cacheUrl = redisUrl(config.cache.url, "cache.url");
  const kinds: StoreKinds = {
    ledger: ledgerUrl === undefined ? "sqlite" : "postgres",
    keys: keysUrl === undefined ? "sqlite" : "postgres",
    counters: countersUrl === undefined ? "sqlite" : "redis",
    cache: cacheUrl === undefined ? "memory" : "redis",
  };
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    // Reverse order of opening: the counters flush spend and the spill drains before the pools and the db close.
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => log.error("store close failed", { error: String(error) }));
  };
  try {
    let sqlite: SqliteGovernance | undefined;
    if (kinds.ledger === "sqlite" || kinds.keys === "sqlite" || kinds.counters === "sqlite") {
      const holdsRecords = kinds.ledger === "sqlite" || kinds.keys === "sqlite";
      const db = openSqliteGovernance({
        dataDir: options.dataDir,
        // A db that holds only counters is created on demand even by read-only commands (its spend then reads 0).
        create: holdsRecords ? (options.create ?? true) : true,
        checkpoint: options.purpose === "cli" ? "auto" : "background",
        ledgerWriterThread: options.purpose === "serve" && config.ledger.writer_thread,
        keyRecheckMs: config.keys.cache_ttl_ms,
      });
      sqlite = db;
      closers.push(() => db.close());
    }
    let pg: PgStores | undefined;
    let keysPg: PgStores | undefined;
    if (keysUrl !== undefined) {
      const { openPgStores } = await import("../ledger/postgres/index.ts");
      const open = async (url: string, schema: string, keyPath: "ledger.url" | "keys.url"): Promise<PgStores> => {
        let stores: PgStores;
        try {
          stores = await openPgStores({ url, schema, keyCacheTtlMs: config.keys.cache_ttl_ms });
        } catch (error) {
          throw error instanceof FrugalError ? error : new FrugalError(keyPath === "ledger.url" ? "ledger_unavailable" : "upstream_unavailable", `${keyPath}: cannot open PostgreSQL at ${redactUrl(url)}: ${firstLine(error)}`, { cause: error });
        }
        closers.push(() => stores.close());
        log.info("PostgreSQL store open", { store: keyPath, url: redactUrl(url), schema });
        return stores;
      };
      if (ledgerUrl !== undefined) pg = await open(ledgerUrl, config.ledger.schema, "ledger.url");
      keysPg = pg !== undefined && keysUrl === ledgerUrl && keysSchema === config.ledger.schema ? pg : await open(keysUrl, keysSchema, "keys.url");
    }
    const keys = keysPg?.keys ?? sqlite!.keys;

    const spill = pg !== undefined && options.purpose === "serve" ? await openSpill(pg.ledger, config.ledger.spill_max_bytes, options) : undefined;
    if (spill !== undefined) closers.push(() => spill.ledger.close());
    const ledger = spill?.ledger ?? pg?.ledger ?? sqlite!.ledger;

    let counters: Counters | undefined = sqlite?.counters;
    if (countersUrl !== undefined) {
      const { createRedisCounters } = await import("../ledger/redis/index.ts");
      const redis = createRedisCounters({ url: countersUrl, prefix: config.counters.prefix });
      closers.push(() => redis.close());
      log.info("Redis counters open", { url: redactUrl(countersUrl), prefix: config.counters.prefix });
      counters = redis;
    }
    const sharedCounters = counters!;

    const createRedisCacheStore = cacheUrl === undefined ? undefined : (await import("../cache/redis-store.ts")).createRedisCacheStore;
    let cacheErrors = 0;
    // One warning per 10 s while the cache store fails, not one per request; every error is counted in /metrics.
    const cacheDown = throttled(10_000);
    let healthCache: CacheStore<unknown> | undefined;
    const cacheStore = <V>(request: CacheStoreRequest<V>): CacheStore<V> => {
      if (createRedisCacheStore === undefined) return createMemoryStore<V>({ maxEntries: Number.MAX_SAFE_INTEGER, ...request });
      return createRedisCacheStore<V>({
        url: cacheUrl!,
        namespace: config.cache.prefix,
        ...request,
        onError: (error) => {
          cacheErrors++;
          storeError("cache");
          const held = cacheDown();
          if (held !== undefined) log.warn("cache store error: treated as a miss", { error: firstLine(error), since_last_warning: held });
        },
      });
    };

    return {
      kinds,
      keys,
      counters: sharedCounters,
      ledger,
      cacheStore,
      ledgerWritable: () => spill?.state() !== "down",
      spill: () => spill?.ledger.pending(),
      async health() {
        const [keysOk, countersOk, cacheOk] = await Promise.all([
          kinds.keys === "postgres" ? probe(() => keys.get(PROBE_ID)) : ("ok" as const),
          kinds.counters === "redis" ? probe(() => sharedCounters.spend({ keyId: PROBE_ID })) : ("ok" as const),
          kinds.cache === "redis"
            ? probe(async () => {
                // The cache store never throws (errors are misses): an error during the probe read is what says down.
                healthCache ??= cacheStore<unknown>({ maxBytes: 1024, ttlMs: 1000, sizeOf: () => 1 });
                const before = cacheErrors;
                await healthCache.get(PROBE_ID);
                if (cacheErrors !== before) throw new Error("cache store error");
              })
            : ("ok" as const),
        ]);
        return { ledger: spill?.state() ?? "ok", keys: keysOk, counters: countersOk, cache: cacheOk };
      },
      async close() {
        await healthCache?.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The PostgreSQL ledger behind its local spill file: rows wait there (fsynced) while PostgreSQL is unreachable and are
 * replayed in order when it returns; `state()` is what /readyz and admission read.
 */
async function openSpill(inner: LedgerStore, maxBytes: number, options: OpenStoresOptions): Promise<{ ledger: SpillingLedger; state(): StoreHealth["ledger"] }> {
  const { createSpillingLedger } = await import("../ledger/spill-ledger.ts");
  let current: StoreHealth["ledger"] = "ok";
  const ledger: SpillingLedger = createSpillingLedger({
    inner,
    path: join(options.dataDir, LEDGER_SPILL_FILE),
    maxBytes,
    onState: (state: SpillState) => {
      const next = healthOfSpill(state);
      if (next !== current) {
        if (next !== "ok") options.onStoreError?.("ledger");
        (next === "ok" ? options.log.info : options.log.warn)("ledger store state", { state: next, rows: state.rows, bytes: state.bytes });
      }
      current = next;
    },
    log: options.log,
  });
  return { ledger, state: () => current };
}

/** A gate that opens once per `ms`: returns how many calls it held back since it last opened, or undefined while shut. */
export function throttled(ms: number): () => number | undefined {
  let last = -Infinity;
  let held = 0;
  return () => {
    const now = Date.now();
    if (now - last < ms) {
      held++;
      return undefined;
    }
    last = now;
    const count = held;
    held = 0;
    return count;
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
