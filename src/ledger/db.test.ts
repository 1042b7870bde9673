import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isFrugalError } from "../core/errors.ts";
import { openGovernanceDb } from "./db.ts";
import { openSqliteGovernance } from "./governance.ts";
import { sampleEntry } from "./sample-entry.ts";
import { LATEST_SCHEMA_VERSION } from "./migrations.ts";

const INDEX = fileURLToPath(new URL("./index.ts", import.meta.url));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "frugal-db-"));
}

test("a new db is created at the latest schema, in WAL mode, readable only by its owner", () => {
  const dir = join(tempDir(), "nested", "data");
  const db = openGovernanceDb({ dataDir: dir });
  assert.equal(db.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.equal(db.sqlite.pragma("journal_mode", { simple: true }), "wal");
  assert.equal(db.sqlite.pragma("synchronous", { simple: true }), 1); // NORMAL
  assert.equal(statSync(db.path).mode & 0o077, 0);
  db.close();
  const again = openGovernanceDb({ dataDir: dir });
  assert.equal(again.sqlite.prepare("SELECT COUNT(*) FROM schema_version").pluck().get(), LATEST_SCHEMA_VERSION, "migrations run once");
  again.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a db from a newer frugal is refused with a clear error, and a missing one when create is false", () => {
  const dir = tempDir();
  const db = openGovernanceDb({ dataDir: dir });
  db.sqlite.prepare("INSERT INTO schema_version (version) VALUES (?)").run(LATEST_SCHEMA_VERSION + 1);
  db.close();
  assert.throws(() => openGovernanceDb({ dataDir: dir }), (e: unknown) => isFrugalError(e) && /newer than this frugal supports.*upgrade frugal/.test(e.message));
  assert.throws(() => openGovernanceDb({ dataDir: join(dir, "nope"), create: false }), (e: unknown) => isFrugalError(e) && e.code === "file_not_found");
  rmSync(dir, { recursive: true, force: true });
});

test("a ledger row and a flushed spend survive kill -9 of the process right after they return", async () => {
  const dir = tempDir();
  const entry = JSON.stringify(sampleEntry(0));
  const script = `
    const { openSqliteGovernance } = await import(${JSON.stringify(INDEX)});
    const g = openSqliteGovernance({ dataDir: ${JSON.stringify(dir)}, flushIntervalMs: 0 });
    await g.ledger.append(${entry});
    const r = await g.counters.reserve({ keyId: "k", maxCostUsd: 1, now: Date.parse("2025-06-01T00:00:00Z") });
    await g.counters.settle(r.reservation, 0.5);
    process.kill(process.pid, "SIGKILL");
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(child.signal, "SIGKILL", child.stderr);
  const g = openSqliteGovernance({ dataDir: dir });
  assert.equal(await g.ledger.count(), 1);
  assert.equal((await g.ledger.verify()).ok, true);
  assert.equal((await g.counters.spend({ keyId: "k", now: Date.parse("2025-06-02T00:00:00Z") })).spentUsd, 0.5);
  await g.close();
  rmSync(dir, { recursive: true, force: true });
});

test("background checkpoints move the WAL into the db file without any commit doing it", { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const db = openGovernanceDb({ dataDir: dir, checkpoint: "background", checkpointIntervalMs: 10 });
  assert.equal(db.sqlite.pragma("wal_autocheckpoint", { simple: true }), 0);
  const before = statSync(db.path).size;
  const insert = db.sqlite.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  for (let i = 0; i < 200; i++) insert.run(`k${i}`, "x".repeat(2000));
  // Only a checkpoint writes pages into the main file: wait for the worker's (no bound on how long it takes is asserted).
  while (statSync(db.path).size <= before) await new Promise((resolve) => setTimeout(resolve, 20));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
