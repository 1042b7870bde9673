import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openSqliteGovernance } from "../../ledger/index.ts";
import { sampleEntry } from "../../ledger/sample-entry.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function frugal(args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin/frugal.js"), "ledger", ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

async function withRows(n: number): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), "frugal-ledger-cli-"));
  const governance = openSqliteGovernance({ dataDir });
  for (let i = 0; i < n; i++) await governance.ledger.append(sampleEntry(i));
  await governance.close();
  return dataDir;
}

describe("frugal ledger", () => {
  it("verify says the chain is intact, then names the row changed behind its back", async () => {
    const dataDir = await withRows(5);
    const ok = frugal(["verify", "--data-dir", dataDir]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: 5 rows, chain intact/);

    const governance = openSqliteGovernance({ dataDir });
    governance.db.sqlite.prepare("UPDATE ledger SET cost_usd = 0 WHERE seq = 3").run();
    await governance.close();
    const broken = frugal(["verify", "--data-dir", dataDir]);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /^error: ledger chain broken at seq 3 \(request req-2\): content does not match its hash/);
    const json = frugal(["verify", "--data-dir", dataDir, "--json"]);
    assert.equal(json.status, 1);
    assert.deepEqual((JSON.parse(json.stdout) as { firstBroken: { seq: number } }).firstBroken.seq, 3);
  });

  it("exports a time window as jsonl or csv, to stdout or a file", async () => {
    const dataDir = await withRows(6); // hourly rows from 2025-06-01T00:00Z
    const jsonl = frugal(["export", "--from", "2025-06-01T02:00:00Z", "--to", "2025-06-01T04:00:00Z", "--data-dir", dataDir]);
    assert.equal(jsonl.status, 0, jsonl.stderr);
    assert.deepEqual(jsonl.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { requestId: string }).requestId), ["req-2", "req-3"]);
    const out = join(dataDir, "ledger.csv");
    const csv = frugal(["export", "--format", "csv", "--out", out, "--data-dir", dataDir]);
    assert.equal(csv.status, 0, csv.stderr);
    assert.match(csv.stderr, /exported 6 rows/);
    assert.equal(readFileSync(out, "utf8").trim().split("\n").length, 7);
    const bad = frugal(["export", "--format", "xml", "--data-dir", dataDir]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format: expected jsonl or csv/);
  });

  it("prunes old rows and the chain still verifies", async () => {
    const dataDir = await withRows(4); // rows from 2025: all older than 30 days
    const governance = openSqliteGovernance({ dataDir });
    await governance.ledger.append(sampleEntry(9, { ts: new Date().toISOString() }));
    await governance.close();
    const pruned = frugal(["prune", "--days", "30", "--data-dir", dataDir]);
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.match(pruned.stdout, /pruned 4 rows older than 30 days; the chain now starts after seq 4/);
    const ok = frugal(["verify", "--data-dir", dataDir]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /ok: 1 rows, chain intact \(from seq 5, after pruning\)/);
    assert.equal(frugal(["prune", "--days", "0", "--data-dir", dataDir]).status, 2);
  });
});
