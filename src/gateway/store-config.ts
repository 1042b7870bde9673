/**
 * Where the gateway's state lives, as frugal.yaml says it: the `url` keys of `ledger`, `keys`, `counters` and `cache`.
 * A url is either written out or `${ENV_VAR}` (the whole value), so a password can come from a Kubernetes Secret instead
 * of the file. The reference is resolved when the stores open, against the process environment; an unset variable is a
 * config error naming it. A url is never shown with its password: errors name the key path, logs get `redactUrl`.
 */
import { z } from "zod";
import { FrugalError } from "../core/errors.ts";

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export const PG_SCHEMES = ["postgres:", "postgresql:"] as const;
export const REDIS_SCHEMES = ["redis:", "rediss:"] as const;

function hasScheme(value: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function expected(schemes: readonly string[]): string {
  return schemes.map((s) => `${s}//`).join(" or ");
}

/** A url key: a URL with one of `schemes`, or `${ENV_VAR}` checked once resolved. The message never echoes the value. */
export function storeUrlSchema(schemes: readonly string[]) {
  return z
    .string()
    .trim()
    .refine((v) => ENV_REF.test(v) || hasScheme(v, schemes), { message: `expected a ${expected(schemes)} URL, or \${ENV_VAR} to read it from the environment` });
}

/**
 * The url a key names: itself, or the value of the variable it references. `keyPath` (e.g. `ledger.url`) and `source`
 * (the file) make the error findable without printing the value.
 */
export function resolveStoreUrl(value: string, schemes: readonly string[], env: Record<string, string | undefined>, keyPath: string, source = "frugal.yaml"): string {
  const ref = ENV_REF.exec(value);
  const resolved = ref === null ? value : env[ref[1]!]?.trim();
  if (resolved === undefined || resolved === "") {
    throw new FrugalError("config_invalid", `${source}: ${keyPath}: environment variable ${ref?.[1]} is not set`, { details: { keyPath } });
  }
  if (!hasScheme(resolved, schemes)) {
    throw new FrugalError("config_invalid", `${source}: ${keyPath}: ${ref === null ? "the url" : `$${ref[1]}`} is not a ${expected(schemes)} URL`, { details: { keyPath } });
  }
  return resolved;
}

/** The url with its password replaced, for logs; an unparseable value is not shown at all. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable url)";
  }
}

const pgUrl = storeUrlSchema(PG_SCHEMES);
const redisUrl = storeUrlSchema(REDIS_SCHEMES);
const schemaName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL schema name: lowercase letters, digits, _");
const prefix = z.string().min(1).max(100);

export const ledgerStoreSchema = z
  .object({
    /** Rows older than this are deleted at start and daily; the chain stays verifiable from the last deleted row. */
    retention_days: z.number().int().positive().default(365),
    /** PostgreSQL for the ledger (and, unless `keys.url` says otherwise, the keys). Absent: SQLite under --data-dir. */
    url: pgUrl.optional(),
    /** The PostgreSQL schema frugal's tables live in (several deployments can share one database). */
    schema: schemaName.default("frugal"),
    /** While PostgreSQL is unreachable, rows wait in a local spill file of at most this many bytes; full → 503. */
    spill_max_bytes: z.number().int().positive().default(64 * 1024 * 1024),
    /**
     * SQLite ledger: commit rows on a worker thread (src/ledger/sqlite-ledger-writer.ts) instead of the event loop, but
     * for batches of one or two rows that find it idle. On by default: near saturation the event loop is the limit and
     * the thread takes the commits off it; off costs less CPU per request at moderate rates (BENCHMARKS.md, gateway section).
     */
    writer_thread: z.boolean().default(true),
  })
  .strict();

export const keysStoreSchema = z
  .object({
    /** PostgreSQL for the API keys. Absent: the ledger's PostgreSQL when it has one, else SQLite under --data-dir. */
    url: pgUrl.optional(),
    /** Default: `ledger.schema`. */
    schema: schemaName.optional(),
    /** How long a replica trusts a key it has read: a revocation reaches every replica within this. */
    cache_ttl_ms: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();

export const countersStoreSchema = z
  .object({
    /** Redis for budgets and rate limits, shared by every replica. Absent: in-process over SQLite (one replica only). */
    url: redisUrl.optional(),
    prefix: prefix.default("frugal:"),
    /**
     * What a budgeted request gets while Redis is unreachable. closed: 503 `budget_store_unavailable` (no spend that
     * cannot be counted). open: admitted without a reservation, logged and counted (availability over the budget).
     */
    on_unavailable: z.enum(["closed", "open"]).default("closed"),
  })
  .strict();

/** The url and prefix `cache` adds to the exact cache's keys (src/gateway/config.ts holds the rest). */
export const cacheStoreShape = {
  /** Redis, shared by every replica (entries stay scoped per team). Absent: in-process memory. */
  url: redisUrl.optional(),
  prefix: prefix.default("frugal:cache:"),
};

export const LEDGER_DEFAULT = { retention_days: 365, schema: "frugal", spill_max_bytes: 64 * 1024 * 1024, writer_thread: true };
export const KEYS_DEFAULT = { cache_ttl_ms: 1000 };
export const COUNTERS_DEFAULT = { prefix: "frugal:", on_unavailable: "closed" as const };
