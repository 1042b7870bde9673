/**
 * One call that opens everything the gateway and the CLI need on a data dir: the db, keys, counters and the ledger, over
 * one connection (SQLite serialises writers anyway, and one connection keeps its own writes invisible to the key cache's
 * change check). `close()` flushes pending spend before closing the db: call it on graceful shutdown.
 */
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import type { Counters } from "./counter-types.ts";
import { BUSY_TIMEOUT_MS, type GovernanceDb, openGovernanceDb } from "./db.ts";
import { DEFAULT_DATA_DIR } from "./paths.ts";
import type { KeyStore } from "./key-types.ts";
import type { LedgerStore } from "./ledger-types.ts";
import { createSqliteCounters } from "./sqlite-counters.ts";
import { createSqliteKeyStore } from "./sqlite-key-store.ts";
import { createSqliteLedgerStore } from "./sqlite-ledger-store.ts";

export interface SqliteGovernanceOptions {
  /** Default ./.frugal */
  dataDir?: string;
  /** false: fail when the db does not exist (commands that only read). Default true. */
  create?: boolean;
  synchronous?: "normal" | "full";
  /** Default "background": WAL checkpoints on a worker thread, off the request path (see db.ts); the CLI uses "auto". */
  checkpoint?: "auto" | "background";
  /** Commit ledger appends on a worker thread, off the event loop (sqlite-ledger-writer.ts): `frugal serve`. Default false. */
  ledgerWriterThread?: boolean;
  flushIntervalMs?: number;
  reservationTtlMs?: number;
  keyRecheckMs?: number;
}

export interface Governance {
  readonly db: GovernanceDb;
  readonly keys: KeyStore;
  readonly counters: Counters;
  readonly ledger: LedgerStore;
  close(): Promise<void>;
}

const optionsSchema = z.strictObject({
  dataDir: z.string().min(1).default(DEFAULT_DATA_DIR),
  create: z.boolean().default(true),
  synchronous: z.enum(["normal", "full"]).default("normal"),
  checkpoint: z.enum(["auto", "background"]).default("background"),
  ledgerWriterThread: z.boolean().default(false),
  flushIntervalMs: z.number().int().min(0).optional(),
  reservationTtlMs: z.number().int().positive().optional(),
  keyRecheckMs: z.number().int().min(0).optional(),
});

export function openSqliteGovernance(options: SqliteGovernanceOptions = {}): Governance {
  const valid = validateConfig(optionsSchema, options, "governance");
  const db = openGovernanceDb({ dataDir: valid.dataDir, create: valid.create, synchronous: valid.synchronous, checkpoint: valid.checkpoint });
  const keys = createSqliteKeyStore({ db, ...(valid.keyRecheckMs !== undefined && { recheckMs: valid.keyRecheckMs }) });
  const counters = createSqliteCounters({
    db,
    ...(valid.flushIntervalMs !== undefined && { flushIntervalMs: valid.flushIntervalMs }),
    ...(valid.reservationTtlMs !== undefined && { reservationTtlMs: valid.reservationTtlMs }),
  });
  const writerThread = { synchronous: valid.synchronous === "full" ? ("FULL" as const) : ("NORMAL" as const), busyTimeoutMs: BUSY_TIMEOUT_MS, noAutocheckpoint: valid.checkpoint === "background" };
  const ledger = createSqliteLedgerStore({ db, ...(valid.ledgerWriterThread ? { writerThread } : {}) });
  let closed = false;
  return {
    db,
    keys,
    counters,
    ledger,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await counters.close();
        await keys.close();
        await ledger.close();
      } finally {
        db.close();
      }
    },
  };
}
