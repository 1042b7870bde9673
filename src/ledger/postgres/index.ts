/**
 * frugal's shared stores on PostgreSQL (`ledger: { url: postgres://… }`): the hash-chained ledger (one global chain for
 * all replicas, see pg-ledger-store.ts) and the API keys (cached with a short TTL, see pg-key-store.ts), over one pool.
 * Opening migrates the schema (pg-migrations.ts) and fails with one clear line when the database cannot be used.
 */
import { z } from "zod";
import { validateConfig } from "../../core/config-file.ts";
import { FrugalError } from "../../core/errors.ts";
import type { KeyStore } from "../key-types.ts";
import type { LedgerStore } from "../ledger-types.ts";
import { createPgKeyStore } from "./pg-key-store.ts";
import { createPgLedgerStore } from "./pg-ledger-store.ts";
import { migratePg } from "./pg-migrations.ts";
import { createPgPool, SCHEMA_NAME } from "./pg-pool.ts";

export { isTransientStoreError } from "./pg-pool.ts";
export { PG_SCHEMA_VERSION } from "./pg-migrations.ts";

export interface PgStoresOptions {
  url: string;
  /** Default `public`; created if missing. Tests isolate themselves with a schema each. */
  schema?: string;
  /** How long a key's record is trusted before it is read again (default 1000 ms): the revocation delay across replicas. */
  keyCacheTtlMs?: number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** A connect that takes longer fails (transient) (default 2000 ms). */
  connectTimeoutMs?: number;
  /** A query without an answer by then fails (transient) (default 5000 ms). */
  queryTimeoutMs?: number;
  /** Rows per page for verify, export and prune (default 1000). */
  pageSize?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface PgStores {
  ledger: LedgerStore;
  keys: KeyStore;
  close(): Promise<void>;
}

const optionsSchema = z.strictObject({
  url: z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// URL"),
  schema: z.string().regex(SCHEMA_NAME, "lower-case letters, digits and _, not starting with a digit").default("public"),
  keyCacheTtlMs: z.number().int().min(0).default(1000),
  poolSize: z.number().int().min(1).max(1000).default(10),
  connectTimeoutMs: z.number().int().positive().default(2000),
  queryTimeoutMs: z.number().int().positive().default(5000),
  pageSize: z.number().int().positive().default(1000),
  now: z.custom<() => number>((v) => typeof v === "function").optional(),
});

/** A URL as it may be shown: without its password. */
function redacted(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

export async function openPgStores(options: PgStoresOptions): Promise<PgStores> {
  const valid = validateConfig(optionsSchema, options, "ledger (postgres)");
  const pool = createPgPool({ url: valid.url, schema: valid.schema, poolSize: valid.poolSize, connectTimeoutMs: valid.connectTimeoutMs, queryTimeoutMs: valid.queryTimeoutMs });
  try {
    await migratePg(pool, valid.schema);
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof FrugalError) throw error;
    throw new FrugalError("upstream_unavailable", `postgres ${redacted(valid.url)}: cannot open the ledger: ${(error as Error).message}`, { cause: error });
  }
  const now = valid.now;
  const ledger = createPgLedgerStore({ pool, pageSize: valid.pageSize, ...(now !== undefined && { now }) });
  const keys = createPgKeyStore({ pool, cacheTtlMs: valid.keyCacheTtlMs, ...(now !== undefined && { now }) });
  let closed = false;
  return {
    ledger,
    keys,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await ledger.close();
        await keys.close();
      } finally {
        await pool.end();
      }
    },
  };
}
