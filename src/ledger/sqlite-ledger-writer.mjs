// The ledger's writer thread (sqlite-ledger-writer.ts): its own connection to the governance db, appending each batch the
// gateway posts with the same code as the store's own connection (sqlite-append.ts). Plain JS that registers tsx itself,
// because workers do not inherit loader hooks registered through the API (bin/frugal.js).
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { register } from "tsx/esm/api";

register();
const { createSqliteAppender } = await import("./sqlite-append.ts");

const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma(`synchronous = ${workerData.synchronous}`);
// Checkpoints are the checkpoint worker's job (db.ts) when the gateway runs one; this connection must not do them inside
// its commits either.
if (workerData.noAutocheckpoint) db.pragma("wal_autocheckpoint = 0");
const appender = createSqliteAppender(db);

parentPort.on("message", (message) => {
  if (message === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    // Both ways as JSON text, which crosses threads far cheaper than structured clones of many small objects. A row
    // this batch inserted goes back as its chain fields only (the caller holds the rest); a row already stored, whole.
    const rows = appender.append(JSON.parse(message)).map((a) => (a.inserted ? [a.row.seq, a.row.prevHash, a.row.hash] : a.row));
    parentPort.postMessage({ rows: JSON.stringify(rows) });
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
