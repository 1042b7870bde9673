/**
 * The PostgreSQL connection pool behind the stores, and which of its errors are transient. Every connection is tagged
 * (application_name `frugal:<schema>`, so an operator or a test can find exactly these backends in pg_stat_activity),
 * pinned to the store's schema (search_path in the startup packet: no extra round trip, no window where a pooled
 * connection points elsewhere), and bounded in time: a connect, a query and an idle transaction all time out, so a store
 * that stops answering turns into an error the spill ledger can act on instead of a hung request.
 */
import pg from "pg";

export interface PgPoolOptions {
  url: string;
  schema: string;
  poolSize: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

const INT8_OID = 20;

// bigint columns (seq, token counts) come back as JS numbers, as SQLite gives them, so one row mapper serves both stores.
// Exact up to 2^53, far beyond any ledger's row count.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function applicationName(schema: string): string {
  return `frugal:${schema}`.slice(0, 63);
}

export function createPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: applicationName(options.schema),
    // The server aborts a transaction whose client went silent (a partition): the chain-head lock is never held for long.
    options: `-c search_path=${options.schema} -c idle_in_transaction_session_timeout=${Math.max(1000, options.queryTimeoutMs * 2)}`,
    connectionTimeoutMillis: options.connectTimeoutMs,
    query_timeout: options.queryTimeoutMs,
    keepAlive: true,
    types,
  } as pg.PoolConfig);
  // A connection killed by the server (restart, pg_terminate_backend) emits 'error' besides failing its query. The pool
  // listens only while a connection is idle; a connection handed out in the same read as its kill notice would have no
  // listener and crash the process. Failures reach callers through their queries; these events are only noise.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

/** Runs `work` in a transaction on one pooled connection; on any error the connection is destroyed, not reused. */
export async function inTransaction<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    // Destroying the connection aborts the transaction server-side; a ROLLBACK could wait out a timed-out query first.
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EAI_AGAIN", "ENOTFOUND",
  "57P01", "57P02", "57P03", // admin shutdown, crash shutdown, cannot connect now (starting up)
  "57014", // statement cancelled (statement_timeout)
  "40001", "40P01", // serialization failure, deadlock: the transaction was rolled back and may be retried
  "55P03", // lock not available
  "53300", // too many connections
]);
const TRANSIENT_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Query read timeout",
  "Client has encountered a connection error and is not queryable",
  "timeout expired",
];

/**
 * Whether a store error may go away by itself (the server is unreachable, restarting, or dropped this connection), so a
 * later retry may succeed: class 08 (connection exceptions), class 53 (insufficient resources), the codes above, and the
 * pg driver's own connection and timeout errors. A bad query or a constraint violation is not transient.
 */
export function isTransientStoreError(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (TRANSIENT_CODES.has(code) || code.startsWith("08") || code.startsWith("53"))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && TRANSIENT_MESSAGES.some((m) => message.startsWith(m))) return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isTransientStoreError(inner))) return true;
  }
  return false;
}
