import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, canonicalRowJson } from "./ledger-hash.ts";
import { runLedgerStoreContract } from "./ledger-store-contract.ts";
import { sampleEntry } from "./sample-entry.ts";
import { normalizeEntry } from "./ledger-rows.ts";
import { createSqliteLedgerStore } from "./sqlite-ledger-store.ts";
import { tempDataDir } from "./test-db.ts";

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

test("the hot-path canonical form equals the reference canonical JSON", () => {
  for (let i = 0; i < 20; i++) {
    const row = { seq: i + 1, ...normalizeEntry(sampleEntry(i, { pii: { zeta: 1, alpha: 2, Émail: 3 }, body: i % 2 ? "x" : null }), 0) };
    assert.equal(canonicalRowJson(row), canonicalJson(row));
  }
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
