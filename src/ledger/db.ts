/**
 * The governance database: one SQLite file (`<dataDir>/frugal.db`) that holds API keys, settled spend and the audit ledger.
 * WAL with synchronous=NORMAL: a committed transaction survives `kill -9` of the process (it is in the WAL, which the OS
 * holds), and only an OS crash or power loss can drop the last commits; `synchronous: "full"` closes that window at the
 * cost of an fsync per commit. Readers (the CLI while the gateway runs) never block the writer.
 */
import Database from "better-sqlite3";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { FrugalError } from "../core/errors.ts";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "./migrations.ts";
import { GOVERNANCE_DB_FILE } from "./paths.ts";

export interface GovernanceDbOptions {
  dataDir: string;
  /** false: fail with file_not_found when the db does not exist yet (read-only CLI commands: a typo must not look empty). */
  create?: boolean;
  synchronous?: "normal" | "full";
  /**
   * "auto": SQLite checkpoints the WAL inside whichever commit crosses 1000 pages, on the caller's thread (fine for the
   * CLI). "background": a worker thread checkpoints every `checkpointIntervalMs` and commits never do, so the tens of ms
   * a checkpoint and its fsync take stay off a server's event loop. Default "auto".
   */
  checkpoint?: "auto" | "background";
  checkpointIntervalMs?: number;
}

export interface GovernanceDb {
  readonly path: string;
  /** The raw connection, for the SQLite implementations in this folder. */
  readonly sqlite: Database.Database;
  readonly schemaVersion: number;
  close(): void;
}

/** How long a write waits for another connection's transaction (the CLI, another replica, the ledger writer thread). */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Runs writes on an event loop's connection without SQLite's busy wait, which sleeps on the calling thread (1 ms and up,
 * to the busy timeout): a write that meets another connection's lock fails at once with SQLITE_BUSY (`isBusy`) and the
 * caller retries later or elsewhere. Set through pragma(): a prepared `PRAGMA busy_timeout = 0` runs but leaves the
 * timeout as it was.
 */
export function withoutBusyWait(sqlite: Database.Database): <T>(work: () => T) => T {
  const configured = sqlite.pragma("busy_timeout", { simple: true }) as number;
  return (work) => {
    sqlite.pragma("busy_timeout = 0");
    try {
      return work();
    } finally {
      sqlite.pragma(`busy_timeout = ${configured}`);
    }
  };
}

/** Whether SQLite refused because another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  return String((error as { code?: unknown } | null)?.code).startsWith("SQLITE_BUSY");
}

export function openGovernanceDb(options: GovernanceDbOptions): GovernanceDb {
  const path = join(options.dataDir, GOVERNANCE_DB_FILE);
  const existed = existsSync(path);
  if (!existed && options.create === false) {
    throw new FrugalError("file_not_found", `${path}: no frugal database here (check --data-dir)`, { details: { file: path } });
  }
  // 0700: the db holds key hashes and, for tasks that opt in, redacted request bodies.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    sqlite.pragma("journal_mode = WAL");
  } catch (error) {
    throw new FrugalError("input_invalid", `${path}: cannot open the frugal database: ${(error as Error).message}`, { cause: error, details: { file: path } });
  }
  if (!existed) chmodSync(path, 0o600);
  const synchronous = options.synchronous === "full" ? "FULL" : "NORMAL";
  sqlite.pragma(`synchronous = ${synchronous}`);
  // Bounds the WAL file on disk after a checkpoint (it is reused from its start, not shrunk, otherwise).
  sqlite.pragma("journal_size_limit = 67108864");
  let schemaVersion: number;
  try {
    schemaVersion = migrate(sqlite, path);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const worker = options.checkpoint === "background" ? startCheckpointWorker(sqlite, path, synchronous, options.checkpointIntervalMs ?? 500) : undefined;
  return {
    path,
    sqlite,
    schemaVersion,
    close() {
      worker?.postMessage("close");
      sqlite.close();
    },
  };
}

function startCheckpointWorker(sqlite: Database.Database, path: string, synchronous: string, intervalMs: number): Worker {
  sqlite.pragma("wal_autocheckpoint = 0");
  const worker = new Worker(new URL("./checkpoint-worker.mjs", import.meta.url), { workerData: { path, synchronous, intervalMs } });
  worker.unref(); // never what keeps a process alive
  // If the worker cannot run, fall back to SQLite's own checkpoints rather than let the WAL grow without bound.
  worker.on("error", () => {
    if (sqlite.open) sqlite.pragma("wal_autocheckpoint = 1000");
  });
  return worker;
}

/** Brings the schema to the latest version in one immediate transaction, so two processes opening a new db do not race. */
function migrate(sqlite: Database.Database, path: string): number {
  const run = sqlite.transaction((): number => {
    sqlite.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = sqlite.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > LATEST_SCHEMA_VERSION) {
      throw new FrugalError(
        "input_invalid",
        `${path}: database schema version ${current} is newer than this frugal supports (${LATEST_SCHEMA_VERSION}); upgrade frugal`,
        { details: { file: path, schemaVersion: current, supported: LATEST_SCHEMA_VERSION } },
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      sqlite.exec(migration.sql);
      sqlite.prepare("INSERT INTO schema_version (version) VALUES (?)").run(migration.version);
    }
    return Math.max(current, LATEST_SCHEMA_VERSION);
  });
  return run.immediate();
}
