import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUSY_TIMEOUT_MS } from "./db.ts";
import { queueAppend } from "./ledger-rows.ts";
import type { LedgerRow } from "./ledger-types.ts";
import { sampleEntry } from "./sample-entry.ts";
import { createSqliteAppender } from "./sqlite-append.ts";
import { createSqliteLedgerStore } from "./sqlite-ledger-store.ts";
import { startLedgerWriter } from "./sqlite-ledger-writer.ts";
import { tempDataDir } from "./test-db.ts";

const THREAD = { synchronous: "NORMAL" as const, busyTimeoutMs: 5000, noAutocheckpoint: false };

test("appends made while a batch is with the writer thread are committed next, in order, each resolving with its own row", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  const store = createSqliteLedgerStore({ db, writerThread: THREAD });
  const first = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(sampleEntry(i))));
  const second = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(sampleEntry(50 + i))));
  const rows = [...first, ...second];
  assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 100 }, (_, i) => i + 1));
  for (const [i, row] of rows.entries()) assert.equal(row.requestId, `req-${i}`);
  assert.deepEqual(await store.verify(), { ok: true, rows: 100, head: { seq: 100, hash: rows[99]?.hash } });
  await store.close();
  temp.cleanup();
});

test("a writer thread that dies fails the batch it held, and later appends are committed on the caller's connection", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  const script = join(temp.dir, "dies.mjs");
  writeFileSync(script, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(3));\n');
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on("warning", onWarning);
  const writer = startLedgerWriter({ ...THREAD, path: db.path, fallback: createSqliteAppender(db.sqlite), script: pathToFileURL(script) });
  const append = (i: number): Promise<LedgerRow> => queueAppend(sampleEntry(i), Date.now(), (p) => writer.append(p));
  await assert.rejects(append(0), /exited with code 3/);
  const rows = await Promise.all([append(1), append(2)]);
  assert.deepEqual(rows.map((r) => r.seq), [1, 2]);
  await writer.close();
  const store = createSqliteLedgerStore({ db });
  assert.deepEqual(await store.verify(), { ok: true, rows: 2, head: { seq: 2, hash: rows[1]?.hash } });
  process.off("warning", onWarning);
  assert.ok(warnings.some((w) => /ledger writer thread stopped/.test(w)), warnings.join("; "));
  temp.cleanup();
});

test("with the thread idle, a small batch is committed on the caller's connection and a large one by the thread, on one chain", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  const appender = createSqliteAppender(db.sqlite);
  const inlineBatches: number[] = [];
  const inline = { maxRows: 2, commit: (batch: Parameters<typeof appender.append>[0]) => (inlineBatches.push(batch.length), appender.append(batch)) };
  const writer = startLedgerWriter({ ...THREAD, path: db.path, fallback: appender, inline });
  const append = (i: number): Promise<LedgerRow> => queueAppend(sampleEntry(i), Date.now(), (p) => writer.append(p));
  const one = await append(0);
  const two = await Promise.all([append(1), append(2)]);
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => append(3 + i)));
  assert.deepEqual(inlineBatches, [1, 2], "the single row and the pair were committed here; the 20 rows went to the thread");
  assert.deepEqual([one, ...two, ...many].map((r) => r.seq), Array.from({ length: 23 }, (_, i) => i + 1));
  await writer.close();
  const store = createSqliteLedgerStore({ db });
  assert.deepEqual(await store.verify(), { ok: true, rows: 23, head: { seq: 23, hash: many[19]?.hash } });
  temp.cleanup();
});

test("a small batch that finds the db locked by another connection goes to the thread, and the event loop never waits for the lock", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  const other = temp.open();
  const store = createSqliteLedgerStore({ db, writerThread: THREAD });
  other.sqlite.prepare("BEGIN IMMEDIATE").run(); // another writer (a CLI, a replica) holds the lock
  const started = performance.now();
  const appended = store.append(sampleEntry(0));
  // Released from this same event loop a few turns later: had the append waited for the lock on the loop, this could
  // not run before SQLite's busy timeout, and the append would fail instead.
  let turns = 0;
  while (turns < 5) {
    await new Promise((resolve) => setImmediate(resolve));
    turns++;
  }
  other.sqlite.prepare("COMMIT").run();
  const row = await appended;
  // A functional bound, not a timing: a commit that waited for the lock on the loop would block it for SQLite's whole
  // busy timeout (BUSY_TIMEOUT_MS, 5 s) before the lock could be released by the turns above.
  const elapsed = performance.now() - started;
  assert.ok(elapsed < BUSY_TIMEOUT_MS / 2, `the event loop waited for the lock (${Math.round(elapsed)} ms)`);
  assert.equal(row.seq, 1);
  assert.deepEqual(await store.verify(), { ok: true, rows: 1, head: { seq: 1, hash: row.hash } });
  await store.close();
  other.close();
  temp.cleanup();
});
