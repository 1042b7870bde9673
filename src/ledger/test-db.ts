/** Temporary governance dbs for this folder's tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GovernanceDb, openGovernanceDb } from "./db.ts";

export interface TempDataDir {
  dir: string;
  /** Opens another connection, as another process would; all are closed by cleanup. */
  open(): GovernanceDb;
  cleanup(): void;
}

export function tempDataDir(): TempDataDir {
  const dir = mkdtempSync(join(tmpdir(), "frugal-ledger-"));
  const opened: GovernanceDb[] = [];
  return {
    dir,
    open() {
      const db = openGovernanceDb({ dataDir: dir });
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.sqlite.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
