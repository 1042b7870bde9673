import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, canonicalRowJson, chainedRow, rowHash } from "./ledger-hash.ts";
import { keepsOneHiddenClass } from "../core/testing/hidden-class.ts";
import { runLedgerStoreContract } from "./ledger-store-contract.ts";
import { sampleEntry } from "./sample-entry.ts";
import { normalizeEntry } from "./ledger-rows.ts";
import { createSqliteLedgerStore } from "./sqlite-ledger-store.ts";
import { tempDataDir } from "./test-db.ts";
import type { LedgerStore } from "./ledger-types.ts";

runLedgerStoreContract("sqlite", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  return {
    open: async ({ pageSize }) => createSqliteLedgerStore({ db, pageSize }),
    async tamper(seq, change) {
      if (change === "delete") db.sqlite.prepare("DELETE FROM ledger WHERE seq = ?").run(seq);
      else db.sqlite.prepare("UPDATE ledger SET cost_usd = ? WHERE seq = ?").run(change.costUsd, seq);
    },
    cleanup: async () => temp.cleanup(),
  };
});

// The same contract with the writer thread as `frugal serve` runs it (small batches committed here when it is idle), and
// with every batch on the thread's own connection.
for (const [name, inlineMaxRows] of [["sqlite, writer thread", undefined], ["sqlite, writer thread only", 0]] as const) {
  runLedgerStoreContract(name, async () => {
    const temp = tempDataDir();
    const db = temp.open();
    const stores: LedgerStore[] = [];
    return {
      open: async ({ pageSize }) => {
        const store = createSqliteLedgerStore({ db, pageSize, writerThread: { synchronous: "NORMAL", busyTimeoutMs: 5000, noAutocheckpoint: false, inlineMaxRows } });
        stores.push(store);
        return store;
      },
      async tamper(seq, change) {
        if (change === "delete") db.sqlite.prepare("DELETE FROM ledger WHERE seq = ?").run(seq);
        else db.sqlite.prepare("UPDATE ledger SET cost_usd = ? WHERE seq = ?").run(change.costUsd, seq);
      },
      cleanup: async () => {
        for (const store of stores) await store.close();
        temp.cleanup();
      },
    };
  });
}

test("the writer thread and another connection appending to one file keep one chain", async () => {
  const temp = tempDataDir();
  const threaded = createSqliteLedgerStore({ db: temp.open(), writerThread: { synchronous: "NORMAL", busyTimeoutMs: 5000, noAutocheckpoint: false } });
  const direct = createSqliteLedgerStore({ db: temp.open() });
  const rows = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? threaded : direct).append(sampleEntry(i))));
  assert.deepEqual(rows.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
  const verified = await direct.verify();
  assert.equal(verified.ok, true);
  assert.equal(verified.rows, 40);
  // An entry appended again through the other connection is the row already stored, not a second one.
  assert.deepEqual(await threaded.append(sampleEntry(1)), rows[1]);
  assert.equal(await direct.count(), 40);
  await threaded.close();
  temp.cleanup();
});

test("the hot-path canonical form equals the reference canonical JSON", () => {
  for (let i = 0; i < 20; i++) {
    const row = { seq: i + 1, ...normalizeEntry(sampleEntry(i, { pii: { zeta: 1, alpha: 2, Émail: 3 }, body: i % 2 ? "x" : null }), 0) };
    assert.equal(canonicalRowJson(row), canonicalJson(row));
  }
});

test("a chained row hashes the entry after its predecessor, and every row keeps one hidden class", async () => {
  const prev = { seq: 7, hash: "ab".repeat(32) };
  const fields = normalizeEntry(sampleEntry(1), 0);
  const row = chainedRow(prev, fields);
  assert.equal(row.seq, 8);
  assert.equal(row.prevHash, prev.hash);
  assert.equal(row.hash, rowHash(prev.hash, { seq: 8, ...fields }));
  let i = 0;
  assert.equal(await keepsOneHiddenClass(() => chainedRow(prev, normalizeEntry(sampleEntry(i++), 0))), true);
});

test("a field that no longer parses is reported as unreadable", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  const store = createSqliteLedgerStore({ db });
  await store.append(sampleEntry(0));
  await store.append(sampleEntry(1));
  db.sqlite.prepare("UPDATE ledger SET pii = '{not json' WHERE seq = 2").run();
  const result = await store.verify();
  assert.equal(result.firstBroken?.seq, 2);
  assert.equal(result.firstBroken?.requestId, "req-1");
  assert.match(result.firstBroken?.reason ?? "", /^unreadable row/);
  temp.cleanup();
});
