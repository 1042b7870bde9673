import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openSqliteGovernance } from "../../ledger/index.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function frugal(args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin/frugal.js"), "keys", ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

describe("frugal keys", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "frugal-keys-cli-"));

  it("creates a key shown once, lists it without the secret, revokes it", async () => {
    const created = frugal(["create", "--team", "finance", "--budget-usd", "25", "--period", "day", "--rpm", "60", "--allow", "invoice, chat", "--data-dir", dataDir, "--json"]);
    assert.equal(created.status, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; key: string; team: string; budgetUsd: number; period: string; allow: string[] };
    assert.match(key.key, /^fk-[0-9a-f]{12}-[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([key.team, key.budgetUsd, key.period, key.allow], ["finance", 25, "day", ["invoice", "chat"]]);

    const human = frugal(["create", "--team", "legal", "--data-dir", dataDir]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /fk-[0-9a-f]{12}-/);
    assert.match(human.stdout, /will not be shown again/);

    const listed = frugal(["list", "--data-dir", dataDir, "--json"]);
    assert.equal(listed.status, 0, listed.stderr);
    const { keys } = JSON.parse(listed.stdout) as { keys: Array<{ id: string; team: string; spentUsd: number }> };
    assert.deepEqual(keys.map((k) => k.team).sort(), ["finance", "legal"]);
    assert.ok(!listed.stdout.includes(key.key.slice(-43)), "no secret in the list");

    const governance = openSqliteGovernance({ dataDir, create: false });
    assert.equal((await governance.keys.authenticate(key.key))?.team, "finance");
    const revoked = frugal(["revoke", key.id, "--data-dir", dataDir]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked key ${key.id}`));
    await governance.close();
    const fresh = openSqliteGovernance({ dataDir, create: false });
    assert.equal(await fresh.keys.authenticate(key.key), undefined);
    await fresh.close();

    const afterRevoke = frugal(["list", "--data-dir", dataDir]);
    assert.doesNotMatch(afterRevoke.stdout, new RegExp(key.id));
    assert.match(frugal(["list", "--all", "--data-dir", dataDir]).stdout, new RegExp(`${key.id}.*revoked`));
  });

  it("refuses bad flags with one error line and exit 2", () => {
    const cases: Array<[string[], RegExp]> = [
      [["create", "--team", "t", "--budget-usd", "0"], /--budget-usd: expected a number > 0/],
      [["create", "--team", "t", "--period", "week", "--budget-usd", "1"], /--period: expected day or month/],
      [["create", "--team", "t", "--period", "day"], /--period needs --budget-usd/],
      [["create", "--team", "t", "--rpm", "1.5"], /--rpm: expected an integer/],
      [["revoke", "000000000000"], /no key with id "000000000000"/],
    ];
    for (const [args, message] of cases) {
      const run = frugal([...args, "--data-dir", dataDir]);
      assert.equal(run.status, 2, args.join(" "));
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    }
    const missing = frugal(["list", "--data-dir", join(dataDir, "nope")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^error: .*no frugal database here/);
  });
});
