/**
 * The SQLite ledger's write: a batch of checked entries chained onto the stored head and inserted in one IMMEDIATE
 * transaction, so the chain stays linear even when several connections (processes, or the gateway's writer thread)
 * append to one file. Shared by the store's own connection and by the writer thread (sqlite-ledger-writer.ts), so both
 * write exactly the same rows.
 */
import type Database from "better-sqlite3";
import { chainedRow, GENESIS_HASH } from "./ledger-hash.ts";
import { fromSqlRow, isSameEntry, LEDGER_COLUMNS, type LedgerSqlRow, type PendingAppend, toSqlParams } from "./ledger-rows.ts";
import type { ChainHead, LedgerRow } from "./ledger-types.ts";

export type AppendFields = PendingAppend["fields"];

export const LEDGER_ANCHOR_KEY = "ledger_anchor";

/** One row of a committed batch, and whether this batch inserted it (false: the same entry was already stored). */
export interface AppendedRow {
  row: LedgerRow;
  inserted: boolean;
}

export interface SqliteAppender {
  /** Commits the batch; returns one row per entry (the stored row for an entry already there). */
  append(batch: readonly AppendFields[]): AppendedRow[];
  /** The newest row, or the prune anchor when the table is empty. */
  head(): ChainHead | undefined;
  /** Where the chain starts after a prune (absent: at the genesis hash). */
  anchor(): ChainHead | undefined;
}

export function createSqliteAppender(sqlite: Database.Database): SqliteAppender {
  const s = {
    insert: sqlite.prepare(`INSERT INTO ledger (${LEDGER_COLUMNS.join(", ")}) VALUES (${LEDGER_COLUMNS.map(() => "?").join(", ")})`),
    last: sqlite.prepare("SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"),
    sameRequest: sqlite.prepare("SELECT * FROM ledger WHERE request_id = ? AND kind = ?"),
    anchor: sqlite.prepare(`SELECT value FROM meta WHERE key = '${LEDGER_ANCHOR_KEY}'`).pluck(),
  };

  function anchor(): ChainHead | undefined {
    const value = s.anchor.get() as string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as ChainHead);
  }

  function head(): ChainHead | undefined {
    return (s.last.get() as ChainHead | undefined) ?? anchor();
  }

  const appendTx = sqlite.transaction((batch: readonly AppendFields[]): AppendedRow[] => {
    let prev = head() ?? { seq: 0, hash: GENESIS_HASH };
    const rows: AppendedRow[] = [];
    for (const fields of batch) {
      // Idempotent: the same entry appended again (a spill replay, a retry) is the row already stored. One index probe,
      // usually empty; rows inserted earlier in this batch are visible to it.
      const stored = (s.sameRequest.all(fields.requestId, fields.kind) as LedgerSqlRow[]).map(fromSqlRow).find((r) => isSameEntry(r, fields));
      if (stored !== undefined) {
        rows.push({ row: stored, inserted: false });
        continue;
      }
      const row = chainedRow(prev, fields);
      s.insert.run(toSqlParams(row));
      rows.push({ row, inserted: true });
      prev = row;
    }
    return rows;
  });

  return { append: (batch) => appendTx.immediate(batch), head, anchor };
}

/** Commits queued appends on this connection and settles each caller's promise with its row (or the batch's error). */
export function commitPending(appender: SqliteAppender, batch: readonly PendingAppend[]): void {
  settleBatch(batch, (fields) => appender.append(fields));
}

/**
 * Runs one commit of a batch and settles each caller's promise with its row, or all of them with the commit's error.
 * A commit that returns undefined did not happen (the db was busy): nothing is settled, and false says so.
 */
export function settleBatch(batch: readonly PendingAppend[], commit: (fields: AppendFields[]) => AppendedRow[] | undefined): boolean {
  let rows: AppendedRow[] | undefined;
  try {
    rows = commit(batch.map((p) => p.fields));
  } catch (error) {
    for (const p of batch) p.reject(error);
    return true;
  }
  if (rows === undefined) return false;
  batch.forEach((p, i) => p.resolve(rows[i]!.row));
  return true;
}
