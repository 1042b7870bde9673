// Runs SQLite WAL checkpoints on a worker thread, with its own connection, so their copy and fsync never block the
// event loop that serves requests (see db.ts). Plain JS: a worker thread does not inherit the tsx loader.
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

const db = new Database(workerData.path, { timeout: 0 });
db.pragma(`synchronous = ${workerData.synchronous}`);
const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting for readers or the writer; the next tick finishes the rest.
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or closing: the next tick retries.
  }
}, workerData.intervalMs);

parentPort?.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
