import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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
