import { test } from "node:test";
import assert from "node:assert/strict";
import { isFrugalError } from "../../core/errors.ts";
import { pgSkip, testPgUrl } from "../../testing/services.ts";
import { runLedgerStoreContract } from "../ledger-store-contract.ts";
import { sampleEntry } from "../sample-entry.ts";
import { openPgStores, type PgStores } from "./index.ts";
import { PG_SCHEMA_VERSION } from "./pg-migrations.ts";
import { pgTestSchema } from "./pg-test-schema.ts";

const url = testPgUrl();

if (url !== undefined) {
  runLedgerStoreContract("postgres", async () => {
    const t = pgTestSchema(url);
    const opened: PgStores[] = [];
    return {
      async open({ pageSize }) {
        const stores = await openPgStores({ url, schema: t.schema, pageSize });
        opened.push(stores);
        return stores.ledger;
      },
      async tamper(seq, change) {
        if (change === "delete") await t.raw.query("DELETE FROM ledger WHERE seq = $1", [seq]);
        else await t.raw.query("UPDATE ledger SET cost_usd = $1 WHERE seq = $2", [change.costUsd, seq]);
      },
      async cleanup() {
        for (const stores of opened) await stores.close();
        await t.drop();
      },
    };
  });
} else {
  test("postgres ledger contract", pgSkip(), () => {});
}

test("two replicas appending at once build one intact chain with no gap and no lost row", pgSkip(), async () => {
  const t = pgTestSchema(url!);
  const [a, b] = await Promise.all([openPgStores({ url: url!, schema: t.schema }), openPgStores({ url: url!, schema: t.schema })]);
  try {
    const appends: Array<Promise<unknown>> = [];
    for (let i = 0; i < 300; i++) appends.push((i % 2 === 0 ? a : b).ledger.append(sampleEntry(i, { requestId: `r-${i}` })));
    await Promise.all(appends);
    const verified = await a.ledger.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified.firstBroken));
    assert.equal(verified.rows, 300);
    assert.deepEqual(verified.head, await b.ledger.head());
    const ids = (await t.raw.query<{ request_id: string }>("SELECT request_id FROM ledger")).rows.map((r) => r.request_id);
    assert.equal(new Set(ids).size, 300);
    // Re-appending everything from the other replica is a no-op: the spill replay's guarantee across replicas.
    await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? b : a).ledger.append(sampleEntry(i, { requestId: `r-${i}` }))));
    assert.equal(await a.ledger.count(), 300);
  } finally {
    await a.close();
    await b.close();
    await t.drop();
  }
});

test("three replicas starting at once migrate once; a newer schema is refused with one line", pgSkip(), async () => {
  const t = pgTestSchema(url!);
  try {
    const stores = await Promise.all([1, 2, 3].map(() => openPgStores({ url: url!, schema: t.schema })));
    for (const s of stores) await s.close();
    const applied = (await t.raw.query<{ version: number }>("SELECT version FROM frugal_migrations ORDER BY version")).rows.map((r) => r.version);
    assert.deepEqual(applied, Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
    await t.raw.query("INSERT INTO frugal_migrations (version, name) VALUES ($1, 'from the future')", [PG_SCHEMA_VERSION + 1]);
    await assert.rejects(openPgStores({ url: url!, schema: t.schema }), (e: unknown) => {
      assert.ok(isFrugalError(e));
      assert.match(e.message, /newer than this frugal supports/);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  } finally {
    await t.drop();
  }
});

test("an unreachable server fails to open with one clean line, the password hidden", async () => {
  await assert.rejects(openPgStores({ url: "postgres://frugal:s3cret@127.0.0.1:1/db", connectTimeoutMs: 500 }), (e: unknown) => {
    assert.ok(isFrugalError(e));
    assert.equal(e.code, "upstream_unavailable");
    assert.ok(!e.message.includes("s3cret"));
    assert.match(e.message, /frugal:\*\*\*@127\.0\.0\.1:1/);
    return true;
  });
});

test("request ids with quotes and backslashes are looked up as data, never as SQL", pgSkip(), async () => {
  const t = pgTestSchema(url!);
  const stores = await openPgStores({ url: url!, schema: t.schema });
  try {
    const odd = ["it's", "back\\slash", "'); DROP TABLE ledger; --", "E'\\x27'", "ünï\u2028code"];
    const rows = await Promise.all(odd.map((requestId, i) => stores.ledger.append(sampleEntry(i, { requestId }))));
    const again = await Promise.all(odd.map((requestId, i) => stores.ledger.append(sampleEntry(i, { requestId }))));
    assert.deepEqual(again, rows, "each one found again by its id");
    assert.equal(await stores.ledger.count(), odd.length);
    assert.equal((await stores.ledger.verify()).ok, true);
  } finally {
    await stores.close();
    await t.drop();
  }
});
