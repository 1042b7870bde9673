import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { runKeyStoreContract } from "./key-store-contract.ts";
import { createSqliteKeyStore } from "./sqlite-key-store.ts";
import { keyAllows } from "./key-format.ts";
import { tempDataDir } from "./test-db.ts";

runKeyStoreContract("sqlite", async () => {
  const temp = tempDataDir();
  return {
    open: async ({ now }) => createSqliteKeyStore({ db: temp.open(), now }),
    cleanup: async () => temp.cleanup(),
  };
});

test("sqlite: only the sha256 of a key is stored", async () => {
  const temp = tempDataDir();
  const db = temp.open();
  const store = createSqliteKeyStore({ db });
  const { id, key } = await store.create({ team: "t" });
  const raw = db.sqlite.prepare("SELECT * FROM api_keys WHERE id = ?").get(id) as Record<string, unknown>;
  assert.equal(raw.key_hash, createHash("sha256").update(key).digest("hex"));
  assert.ok(!JSON.stringify(raw).includes(key.slice(-43)));
  temp.cleanup();
});

test("sqlite: a write elsewhere that is not about keys keeps the cache", async () => {
  const temp = tempDataDir();
  let clock = 0;
  const gateway = createSqliteKeyStore({ db: temp.open(), now: () => clock });
  const cli = temp.open();
  const { key, id } = await gateway.create({ team: "t" });
  assert.ok(await gateway.authenticate(key));
  // A raw change the store cannot see (keys_version untouched) shows that the cache was kept, then dropped on a key change.
  cli.sqlite.prepare("UPDATE api_keys SET team = 'changed' WHERE id = ?").run(id);
  cli.sqlite.prepare("INSERT INTO spend (key_id, period, spent_nano_usd) VALUES ('x', 'month:2025-01', 1)").run();
  clock += 2000;
  assert.equal((await gateway.authenticate(key))?.team, "t");
  cli.sqlite.prepare("UPDATE meta SET value = '99' WHERE key = 'keys_version'").run();
  clock += 2000;
  assert.equal((await gateway.authenticate(key))?.team, "changed");
  temp.cleanup();
});

test("allow-lists: absent allows everything, present allows only its names", () => {
  const base = { id: "x", team: "t", createdAt: "" };
  assert.equal(keyAllows(base, "anything"), true);
  assert.equal(keyAllows({ ...base, allow: ["invoice"] }, "invoice"), true);
  assert.equal(keyAllows({ ...base, allow: ["invoice"] }, "chat"), false);
});

test("sqlite: a key revoked by another process stops authenticating after the recheck, though its secret was remembered", async () => {
  const temp = tempDataDir();
  let clock = 0;
  const gateway = createSqliteKeyStore({ db: temp.open(), now: () => clock });
  const cli = createSqliteKeyStore({ db: temp.open() });
  const { key, id } = await gateway.create({ team: "t" });
  assert.ok(await gateway.authenticate(key));
  assert.ok(await gateway.authenticate(key));
  await cli.revoke(id);
  clock += 2000;
  assert.equal(await gateway.authenticate(key), undefined);
  temp.cleanup();
});
