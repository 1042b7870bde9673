/**
 * The audit ledger on PostgreSQL: the same rows, hash formula, verify and export as the SQLite store (ledger-rows.ts,
 * ledger-hash.ts, ledger-verify.ts, ledger-export.ts), so `frugal ledger verify|export` behave the same on both.
 *
 * Decision: ONE GLOBAL CHAIN shared by every replica (not one chain per replica). An auditor verifies one sequence with no
 * gaps and needs no replica ids; the price is that appends from all replicas serialise on one row lock. Group commit keeps
 * that cheap: the appends a process receives while its previous commit is in flight are chained together in ONE
 * transaction, which locks the one-row `ledger_head` (SELECT … FOR UPDATE), chains the batch on the head, inserts it in one
 * statement, moves the head and commits. `append` resolves only after COMMIT: the row is durable before the gateway
 * answers. Two replicas' batches interleave whole; the chain stays linear because the head lock orders them.
 *
 * Appends are idempotent: an entry whose request id, kind and content match a stored row returns that row (looked up under
 * the head lock, so a concurrent replay cannot slip in twice). The spill ledger's replays and a retry after a lost COMMIT
 * acknowledgement rely on it.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import pg from "pg";
import { exportBounds, writeExport } from "../ledger-export.ts";
import { chainedRow } from "../ledger-hash.ts";
import { fromSqlRow, isSameEntry, LEDGER_COLUMNS, type LedgerSqlRow, type PendingAppend, pruneCutoff, queueAppend, readStored, toSqlParams } from "../ledger-rows.ts";
import type { ChainHead, ExportOptions, LedgerEntry, LedgerRow, LedgerStore, PruneResult, VerifyResult } from "../ledger-types.ts";
import { type StoredRow, verifyChain } from "../ledger-verify.ts";
import { inTransaction } from "./pg-pool.ts";

export interface PgLedgerStoreOptions {
  pool: pg.Pool;
  /** Rows per page for verify, export and prune (default 1000). */
  pageSize?: number;
  /** Most rows chained in one transaction (default 1000). */
  maxBatch?: number;
  now?: () => number;
}

const COLUMN_TYPES: Record<(typeof LEDGER_COLUMNS)[number], string> = {
  seq: "bigint", ts: "text", request_id: "text", key_id: "text", team: "text", kind: "text", target: "text", tier: "text",
  model: "text", provider: "text", region: "text", on_prem: "smallint", input_tokens: "bigint", output_tokens: "bigint",
  cost_usd: "float8", cost_provenance: "text", energy_j: "float8", energy_provenance: "text", latency_ms: "float8",
  cache_hit: "smallint", escalated: "smallint", pii: "text", status: "integer", error_code: "text", body: "text",
  stream: "smallint", prev_hash: "text", hash: "text",
};

// One statement inserts the whole batch (a column array per parameter) and moves the head.
const INSERT_BATCH = `WITH inserted AS (
  INSERT INTO ledger (${LEDGER_COLUMNS.join(", ")})
  SELECT * FROM unnest(${LEDGER_COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(", ")})
) UPDATE ledger_head SET seq = $${LEDGER_COLUMNS.length + 1}, hash = $${LEDGER_COLUMNS.length + 2}`;

type Fields = PendingAppend["fields"];

export function createPgLedgerStore(options: PgLedgerStoreOptions): LedgerStore {
  const { pool } = options;
  const pageSize = options.pageSize ?? 1000;
  const maxBatch = options.maxBatch ?? 1000;
  const now = options.now ?? Date.now;

  async function commitBatch(batch: readonly Fields[]): Promise<LedgerRow[]> {
    // Lock the head, then look the batch's request ids up, in ONE round trip: a multi-statement simple query, whose
    // statements each take a fresh snapshot (READ COMMITTED), so the lookup sees every row committed before the lock was
    // granted. The ids are inlined as escaped literals (simple queries take no parameters).
    const ids = [...new Set(batch.map((f) => f.requestId))].map((id) => pg.escapeLiteral(id)).join(", ");
    const lockAndLookup = `SELECT seq, hash FROM ledger_head FOR UPDATE; SELECT * FROM ledger WHERE request_id IN (${ids})`;
    return inTransaction(pool, "BEGIN", async (client) => {
      const [locked, same] = (await client.query(lockAndLookup)) as unknown as [pg.QueryResult<ChainHead>, pg.QueryResult<LedgerSqlRow>];
      const head = locked.rows[0];
      if (head === undefined) throw new Error("ledger_head has no row: the schema was not migrated by frugal");
      const known = new Map<string, LedgerRow[]>();
      const remember = (row: LedgerRow): void => void known.set(row.requestId, [...(known.get(row.requestId) ?? []), row]);
      same.rows.map(fromSqlRow).forEach(remember);
      let prev: ChainHead = head;
      const fresh: LedgerRow[] = [];
      const rows = batch.map((fields): LedgerRow => {
        const stored = known.get(fields.requestId)?.find((r) => r.kind === fields.kind && isSameEntry(r, fields));
        if (stored !== undefined) return stored;
        const row = chainedRow(prev, fields);
        remember(row); // the same entry twice in one batch is one row
        fresh.push(row);
        prev = row;
        return row;
      });
      if (fresh.length > 0) {
        const columns = LEDGER_COLUMNS.map(() => [] as unknown[]);
        for (const row of fresh) toSqlParams(row).forEach((value, i) => columns[i]!.push(value));
        await client.query({ name: "frugal_ledger_insert", text: INSERT_BATCH, values: [...columns, prev.seq, prev.hash] });
      }
      return rows;
    });
  }

  // Group commit: one transaction in flight per process; appends arriving meanwhile form the next batch.
  let pending: PendingAppend[] = [];
  let flushing: Promise<void> | undefined;
  async function flush(): Promise<void> {
    await nextTurn(); // let the appends of this event-loop turn join the first batch
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        const rows = await commitBatch(batch.map((p) => p.fields));
        batch.forEach((p, i) => p.resolve(rows[i]!));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    flushing = undefined;
  }

  async function anchorOf(client: pg.Pool | pg.PoolClient): Promise<ChainHead | undefined> {
    const row = (await client.query<ChainHead>("SELECT seq, hash FROM ledger_anchor")).rows[0];
    return row === undefined || row.seq === 0 ? undefined : row;
  }

  async function* verifyPages(first: LedgerSqlRow[]): AsyncGenerator<StoredRow[]> {
    let page = first;
    while (page.length > 0) {
      yield page.map(readStored);
      if (page.length < pageSize) return;
      page = (await pool.query<LedgerSqlRow>("SELECT * FROM ledger WHERE seq > $1 ORDER BY seq LIMIT $2", [Number(page[page.length - 1]?.seq), pageSize])).rows;
    }
  }

  async function* exportPages(from: string, to: string): AsyncGenerator<LedgerRow[]> {
    let after = 0;
    for (;;) {
      const sql = "SELECT * FROM ledger WHERE seq > $1 AND ts >= $2 AND ts < $3 ORDER BY seq LIMIT $4";
      const page = (await pool.query<LedgerSqlRow>(sql, [after, from, to, pageSize])).rows;
      if (page.length === 0) return;
      yield page.map(fromSqlRow); // the next page is read only once the writer took this one (backpressure)
      after = Number(page[page.length - 1]?.seq);
      if (page.length < pageSize) return;
    }
  }

  async function head(): Promise<ChainHead | undefined> {
    const row = (await pool.query<ChainHead>("SELECT seq, hash FROM ledger_head")).rows[0];
    return row === undefined || row.seq === 0 ? undefined : row;
  }

  return {
    kind: "postgres",
    append(entry: LedgerEntry): Promise<LedgerRow> {
      return queueAppend(entry, now(), (p) => {
        pending.push(p);
        flushing ??= flush();
      });
    },

    async verify(): Promise<VerifyResult> {
      // The anchor and the first page from one snapshot, so a prune in between cannot look like a gap.
      const first = await inTransaction(pool, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", async (client) => ({
        anchor: await anchorOf(client),
        rows: (await client.query<LedgerSqlRow>("SELECT * FROM ledger ORDER BY seq LIMIT $1", [pageSize])).rows,
      }));
      return verifyChain(first.anchor, verifyPages(first.rows));
    },

    async exportRows(exportOptions: ExportOptions, write: (chunk: string) => void | Promise<void>): Promise<{ rows: number }> {
      const { format, from, to } = exportBounds(exportOptions);
      return writeExport(exportPages(from, to), format, write);
    },

    async prune(retentionDays: number, at?: number): Promise<PruneResult> {
      const cutoff = pruneCutoff(retentionDays, at ?? now());
      // Only the oldest run of rows goes: the chain stays one contiguous piece that starts at the new anchor.
      const kept = (await pool.query<{ seq: number }>("SELECT seq FROM ledger WHERE ts >= $1 ORDER BY seq LIMIT 1", [cutoff])).rows[0];
      const stop = kept?.seq ?? ((await head())?.seq ?? 0) + 1;
      let deleted = 0;
      let last: ChainHead | undefined;
      for (;;) {
        // The anchor row's lock serialises replicas pruning at once; each batch is one short transaction.
        const end = await inTransaction(pool, "BEGIN", async (client) => {
          await client.query("SELECT seq FROM ledger_anchor FOR UPDATE");
          const batch = (await client.query<ChainHead>("SELECT seq, hash FROM ledger WHERE seq < $1 ORDER BY seq LIMIT $2", [stop, pageSize])).rows;
          const tail = batch[batch.length - 1];
          if (tail === undefined) return undefined;
          await client.query("DELETE FROM ledger WHERE seq <= $1", [tail.seq]);
          await client.query("UPDATE ledger_anchor SET seq = $1, hash = $2", [tail.seq, tail.hash]);
          return { tail, n: batch.length };
        });
        if (end === undefined) break;
        deleted += end.n;
        last = { seq: end.tail.seq, hash: end.tail.hash };
      }
      return last === undefined ? { deleted } : { deleted, anchor: last };
    },

    async count(): Promise<number> {
      return Number((await pool.query<{ n: number }>("SELECT count(*) AS n FROM ledger")).rows[0]?.n ?? 0);
    },

    async findRequest(requestId: string): Promise<LedgerRow | undefined> {
      const sql = "SELECT * FROM ledger WHERE request_id = $1 AND kind IN ('task', 'route') ORDER BY seq LIMIT 1";
      const raw = (await pool.query<LedgerSqlRow>(sql, [requestId])).rows[0];
      return raw === undefined ? undefined : fromSqlRow(raw);
    },

    head,

    async close(): Promise<void> {
      // Appends already accepted are committed (or fail) before the pool goes.
      while (flushing !== undefined) await flushing;
    },
  };
}
