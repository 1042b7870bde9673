/**
 * The contract every KeyStore passes: the SQLite store today, PostgreSQL later, each from its own test file with its own
 * harness. A harness opens stores over one shared backing storage, as separate processes would (the gateway and the CLI).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isFrugalError } from "../core/errors.ts";
import type { KeyStore } from "./key-types.ts";

export interface KeyStoreHarness {
  /** A store over the shared storage, reading time from `now`; several may be open at once. */
  open(options: { now: () => number }): Promise<KeyStore>;
  cleanup(): Promise<void>;
}

function flipLastChar(key: string): string {
  return key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
}

export function runKeyStoreContract(name: string, harness: () => Promise<KeyStoreHarness>): void {
  test(`${name}: a created key authenticates; a wrong secret, a malformed key or another key's id does not`, async () => {
    const h = await harness();
    const store = await h.open({ now: Date.now });
    const a = await store.create({ team: "finance", name: "batch", budgetUsd: 5, rpm: 60, allow: ["invoice"] });
    const b = await store.create({ team: "legal" });
    assert.match(a.key, new RegExp(`^fk-${a.id}-[A-Za-z0-9_-]{43}$`));
    assert.notEqual(a.id, b.id);
    const record = await store.authenticate(a.key);
    assert.equal(record?.id, a.id);
    assert.equal(record?.team, "finance");
    assert.equal(record?.budgetUsd, 5);
    assert.equal(record?.period, "month"); // a budget without a period is monthly
    assert.deepEqual(record?.allow, ["invoice"]);
    assert.equal(await store.authenticate(flipLastChar(a.key)), undefined);
    assert.equal(await store.authenticate(`fk-${a.id}-${b.key.slice(-43)}`), undefined);
    for (const garbage of ["", "fk-", "Bearer x", a.key.slice(0, -1), `${a.key}x`, a.key.toUpperCase()]) {
      assert.equal(await store.authenticate(garbage), undefined, garbage);
    }
    await h.cleanup();
  });

  test(`${name}: list never shows secrets; revoked keys stop authenticating and leave the default list`, async () => {
    const h = await harness();
    const store = await h.open({ now: Date.now });
    const a = await store.create({ team: "t1" });
    const b = await store.create({ team: "t2", tpm: 1000 });
    const listed = await store.list();
    assert.deepEqual(listed.map((r) => r.id).sort(), [a.id, b.id].sort());
    assert.ok(!JSON.stringify(listed).includes(a.key.slice(-43)));
    assert.equal((await store.authenticate(a.key))?.id, a.id, "authenticated once: its secret is remembered");
    const revoked = await store.revoke(a.id);
    assert.ok(revoked?.revokedAt !== undefined);
    assert.equal(await store.authenticate(a.key), undefined);
    assert.equal((await store.authenticate(b.key))?.tpm, 1000);
    assert.deepEqual((await store.list()).map((r) => r.id), [b.id]);
    assert.equal((await store.list({ includeRevoked: true })).length, 2);
    assert.ok((await store.revoke(a.id))?.revokedAt !== undefined, "revoking twice is harmless");
    assert.equal(await store.revoke("000000000000"), undefined);
    assert.equal((await store.get(a.id))?.team, "t1");
    await h.cleanup();
  });

  test(`${name}: keys made or revoked by another process take effect there within the recheck interval`, async () => {
    const h = await harness();
    let clock = Date.parse("2025-06-01T00:00:00Z");
    const gateway = await h.open({ now: () => clock });
    const cli = await h.open({ now: () => clock });
    const created = await cli.create({ team: "ops" });
    assert.equal((await gateway.authenticate(created.key))?.id, created.id, "a new key works at once");
    await cli.revoke(created.id);
    clock += 1100;
    assert.equal(await gateway.authenticate(created.key), undefined, "revoked elsewhere: refused after the recheck");
    await h.cleanup();
  });

  test(`${name}: bad key options are refused`, async () => {
    const h = await harness();
    const store = await h.open({ now: Date.now });
    const bad = [{ team: "" }, { team: "t", budgetUsd: 0 }, { team: "t", budgetUsd: -1 }, { team: "t", period: "day" as const }, { team: "t", rpm: 1.5 }, { team: "t", allow: [] }];
    for (const input of bad) {
      await assert.rejects(store.create(input), (e: unknown) => isFrugalError(e) && e.code === "config_invalid", JSON.stringify(input));
    }
    assert.deepEqual(await store.list({ includeRevoked: true }), []);
    await h.cleanup();
  });
}
