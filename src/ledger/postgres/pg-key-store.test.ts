import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isFrugalError } from "../../core/errors.ts";
import { pgSkip, testPgUrl } from "../../testing/services.ts";
import { proxyServiceUrl } from "../../testing/tcp-proxy.ts";
import { runKeyStoreContract } from "../key-store-contract.ts";
import { openPgStores, type PgStores } from "./index.ts";
import { pgTestSchema } from "./pg-test-schema.ts";

const url = testPgUrl();

if (url !== undefined) {
  runKeyStoreContract("postgres", async () => {
    const t = pgTestSchema(url);
    const opened: PgStores[] = [];
    return {
      async open({ now }) {
        const stores = await openPgStores({ url, schema: t.schema, now });
        opened.push(stores);
        return stores.keys;
      },
      async cleanup() {
        for (const stores of opened) await stores.close();
        await t.drop();
      },
    };
  });
} else {
  test("postgres key store contract", pgSkip(), () => {});
}

test("a revocation through one replica reaches another once its cache TTL has passed, not before", pgSkip(), async () => {
  const t = pgTestSchema(url!);
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const now = () => clock;
  const [gateway, cli] = await Promise.all([openPgStores({ url: url!, schema: t.schema, keyCacheTtlMs: 5000, now }), openPgStores({ url: url!, schema: t.schema, now })]);
  try {
    const { id, key } = await cli.keys.create({ team: "ops", budgetUsd: 3 });
    assert.equal((await gateway.keys.authenticate(key))?.id, id);
    await cli.keys.revoke(id);
    clock += 4000;
    assert.equal((await gateway.keys.authenticate(key))?.id, id, "within the TTL the cached record is served (no query per request)");
    clock += 1001;
    assert.equal(await gateway.keys.authenticate(key), undefined, "after the TTL the revocation is seen");
    const raw = (await t.raw.query("SELECT * FROM api_keys WHERE id = $1", [id])).rows[0] as Record<string, unknown>;
    assert.equal(raw.key_hash, createHash("sha256").update(key).digest("hex"), "only the sha256 of a key is stored");
    assert.ok(!JSON.stringify(raw).includes(key.slice(-43)));
  } finally {
    await gateway.close();
    await cli.close();
    await t.drop();
  }
});

test("PostgreSQL unreachable: a key seen before keeps its last record, an unseen key gets a retryable 503", pgSkip(), async () => {
  const t = pgTestSchema(url!);
  const { proxy, url: proxied } = await proxyServiceUrl(url!);
  let clock = 0;
  const stores = await openPgStores({ url: proxied, schema: t.schema, connectTimeoutMs: 500, now: () => clock });
  const direct = await openPgStores({ url: url!, schema: t.schema });
  try {
    const seen = await direct.keys.create({ team: "ops" });
    const unseen = await direct.keys.create({ team: "ops" });
    assert.equal((await stores.keys.authenticate(seen.key))?.id, seen.id);
    proxy.cut();
    clock += 10_000; // the cached record is stale, and cannot be refreshed
    assert.equal((await stores.keys.authenticate(seen.key))?.id, seen.id);
    await assert.rejects(stores.keys.authenticate(unseen.key), (e: unknown) => isFrugalError(e) && e.status === 503 && e.retryable);
    proxy.restore();
    assert.equal((await stores.keys.authenticate(unseen.key))?.id, unseen.id, "recovers without a restart");
  } finally {
    proxy.restore();
    await stores.close();
    await direct.close();
    await proxy.close();
    await t.drop();
  }
});
