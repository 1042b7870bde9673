/**
 * The audit ledger in the governance db. An append reads the chain head and inserts the new row in one IMMEDIATE
 * transaction, so the chain stays linear even if several processes append to one file; it is committed (WAL) when append
 * returns. Appends are idempotent: an entry already stored (same request id, kind and content) returns its stored row.
 * Reads that may be long (verify, export, prune) go page by page on keyset pagination: no cursor stays open
 * across an await, so the gateway's appends on the same connection are never blocked by an export in progress.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { type GovernanceDb, isBusy, withoutBusyWait } from "./db.ts";
import { exportBounds, writeExport } from "./ledger-export.ts";
import { fromSqlRow, type LedgerSqlRow, type PendingAppend, pruneCutoff, queueAppend, readStored } from "./ledger-rows.ts";
import { type AppendedRow, type AppendFields, commitPending, createSqliteAppender, LEDGER_ANCHOR_KEY, type SqliteAppender } from "./sqlite-append.ts";
import { startLedgerWriter } from "./sqlite-ledger-writer.ts";
import type { ChainHead, ExportOptions, LedgerEntry, LedgerRow, LedgerStore, PruneResult, VerifyResult } from "./ledger-types.ts";
import { type StoredRow, verifyChain } from "./ledger-verify.ts";

export interface SqliteLedgerStoreOptions {
  db: GovernanceDb;
  /**
   * Commit appends on a worker thread with its own connection (sqlite-ledger-writer.ts), off the caller's event loop:
   * what `frugal serve` does. Absent: on the caller's connection (the CLI, tests).
   */
  writerThread?: { synchronous: "NORMAL" | "FULL"; busyTimeoutMs: number; noAutocheckpoint: boolean; inlineMaxRows?: number };
  /** Rows per page for verify, export and prune (default 1000). */
  pageSize?: number;
  now?: () => number;
}

/**
 * Batches of this many rows or fewer are committed on the event loop when the writer thread is idle; larger ones (the
 * rows that piled up during a commit, under load) go to the thread. Measured in bench/gateway.ts (bench/notes/gateway.md,
 * fifth pass).
 */
export const INLINE_MAX_ROWS = 2;

/** Commits on this connection without waiting for SQLite's write lock: undefined when another connection holds it. */
function inlineCommitter(sqlite: GovernanceDb["sqlite"], appender: SqliteAppender, maxRows: number): { maxRows: number; commit(batch: readonly AppendFields[]): AppendedRow[] | undefined } | undefined {
  if (maxRows <= 0) return undefined;
  const noWait = withoutBusyWait(sqlite);
  return {
    maxRows,
    commit(batch) {
      try {
        return noWait(() => appender.append(batch));
      } catch (error) {
        if (isBusy(error)) return undefined;
        throw error;
      }
    },
  };
}

export function createSqliteLedgerStore(options: SqliteLedgerStoreOptions): LedgerStore {
  const sqlite = options.db.sqlite;
  const pageSize = options.pageSize ?? 1000;
  const now = options.now ?? Date.now;
  const s = {
    setAnchor: sqlite.prepare(`INSERT INTO meta (key, value) VALUES ('${LEDGER_ANCHOR_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    page: sqlite.prepare("SELECT * FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?"),
    rangePage: sqlite.prepare("SELECT * FROM ledger WHERE seq > ? AND ts >= ? AND ts < ? ORDER BY seq LIMIT ?"),
    firstKept: sqlite.prepare("SELECT seq FROM ledger WHERE ts >= ? ORDER BY seq LIMIT 1").pluck(),
    pruneBatch: sqlite.prepare("SELECT seq, hash FROM ledger WHERE seq < ? ORDER BY seq LIMIT ?"),
    deleteUpTo: sqlite.prepare("DELETE FROM ledger WHERE seq <= ?"),
    count: sqlite.prepare("SELECT COUNT(*) FROM ledger").pluck(),
    byRequest: sqlite.prepare("SELECT * FROM ledger WHERE request_id = ? AND kind IN ('task', 'route') ORDER BY seq LIMIT 1"),
  };

  const appender = createSqliteAppender(sqlite);
  const { head, anchor } = appender;
  const writer = options.writerThread === undefined ? undefined : startLedgerWriter({ ...options.writerThread, path: options.db.path, fallback: appender, inline: inlineCommitter(sqlite, appender, options.writerThread.inlineMaxRows ?? INLINE_MAX_ROWS) });

  // Group commit: the appends made during one turn of the event loop share one transaction (one WAL commit), committed
  // on the next turn; each append still resolves only once its row is committed. Under load this turns ~3,000 commits/s
  // into a few hundred larger ones, at the cost of at most one event-loop turn of latency per append. With the writer
  // thread, the thread batches (sqlite-ledger-writer.ts).
  let pending: PendingAppend[] = [];
  const commitQueued = (): void => {
    const batch = pending;
    pending = [];
    commitPending(appender, batch);
  };
  const enqueue = (p: PendingAppend): void => {
    if (writer !== undefined) writer.append(p);
    else if (pending.push(p) === 1) setImmediate(commitQueued);
  };

  // The anchor and the first page come from one read transaction, so a prune in between cannot look like a gap.
  const firstPage = sqlite.transaction(() => ({ anchor: anchor(), rows: s.page.all(0, pageSize) as LedgerSqlRow[] }));

  async function* verifyPages(first: LedgerSqlRow[]): AsyncGenerator<StoredRow[]> {
    let page = first;
    while (page.length > 0) {
      yield page.map(readStored);
      if (page.length < pageSize) return;
      await nextTurn(); // let the event loop serve requests between pages
      page = s.page.all(Number(page[page.length - 1]?.seq), pageSize) as LedgerSqlRow[];
    }
  }

  async function* exportPages(from: string, to: string): AsyncGenerator<LedgerRow[]> {
    let after = 0;
    for (;;) {
      const page = s.rangePage.all(after, from, to, pageSize) as LedgerSqlRow[];
      if (page.length === 0) return;
      yield page.map(fromSqlRow);
      after = Number(page[page.length - 1]?.seq);
      if (page.length < pageSize) return;
      await nextTurn(); // a writer that never waits (a string buffer) must not turn an export into one long block
    }
  }

  return {
    kind: "sqlite",
    append(entry: LedgerEntry): Promise<LedgerRow> {
      return queueAppend(entry, now(), enqueue);
    },

    async verify(): Promise<VerifyResult> {
      const first = firstPage();
      return verifyChain(first.anchor, verifyPages(first.rows));
    },

    async exportRows(exportOptions: ExportOptions, write: (chunk: string) => void | Promise<void>): Promise<{ rows: number }> {
      const { format, from, to } = exportBounds(exportOptions);
      return writeExport(exportPages(from, to), format, write);
    },

    async prune(retentionDays: number, at?: number): Promise<PruneResult> {
      const cutoff = pruneCutoff(retentionDays, at ?? now());
      // Only the oldest run of rows goes: the chain stays one contiguous piece that starts at the new anchor.
      const stop = (s.firstKept.get(cutoff) as number | undefined) ?? (head()?.seq ?? 0) + 1;
      let deleted = 0;
      let last: ChainHead | undefined;
      const batch = sqlite.transaction((): number => {
        const rows = s.pruneBatch.all(stop, pageSize) as ChainHead[];
        const end = rows[rows.length - 1];
        if (end === undefined) return 0;
        s.deleteUpTo.run(end.seq);
        s.setAnchor.run(JSON.stringify({ seq: end.seq, hash: end.hash }));
        last = end;
        return rows.length;
      });
      for (let n = batch.immediate(); n > 0; n = batch.immediate()) {
        deleted += n;
        await nextTurn();
      }
      return last === undefined ? { deleted } : { deleted, anchor: last };
    },

    async count(): Promise<number> {
      return s.count.get() as number;
    },

    async findRequest(requestId: string): Promise<LedgerRow | undefined> {
      // A row still waiting for its group commit is not found yet: a client cannot hold its request id before then.
      const raw = s.byRequest.get(requestId) as LedgerSqlRow | undefined;
      return raw === undefined ? undefined : fromSqlRow(raw);
    },

    async head(): Promise<ChainHead | undefined> {
      return head();
    },

    async close(): Promise<void> {
      // Appends still waiting for their turn are committed before the connection goes.
      if (pending.length > 0) commitQueued();
      await writer?.close();
    },
  };
}
