import { test } from "node:test";
import assert from "node:assert/strict";
import { runCountersContract } from "./counters-contract.ts";
import { createSqliteCounters } from "./sqlite-counters.ts";
import { periodKeyOf } from "./spend-book.ts";
import { tempDataDir } from "./test-db.ts";

runCountersContract("sqlite (batched)", async () => {
  const temp = tempDataDir();
  return { open: async () => createSqliteCounters({ db: temp.open() }), cleanup: async () => temp.cleanup() };
});

runCountersContract("sqlite (write-through)", async () => {
  const temp = tempDataDir();
  return { open: async () => createSqliteCounters({ db: temp.open(), flushIntervalMs: 0 }), cleanup: async () => temp.cleanup() };
});

const NOW = Date.parse("2025-06-15T12:00:00Z");

test("batched spend reaches the db on flush(), not before", async () => {
  const temp = tempDataDir();
  const counters = createSqliteCounters({ db: temp.open(), flushIntervalMs: 60_000 });
  const reader = temp.open().sqlite.prepare("SELECT spent_nano_usd FROM spend WHERE key_id = 'k'").pluck();
  const r = await counters.reserve({ keyId: "k", maxCostUsd: 1, now: NOW });
  assert.ok(r.ok);
  await counters.settle(r.reservation, 0.25);
  assert.equal(reader.get(), undefined);
  await counters.flush();
  assert.equal(reader.get(), 250_000_000);
  const again = await counters.reserve({ keyId: "k", maxCostUsd: 1, now: NOW });
  assert.ok(again.ok);
  await counters.settle(again.reservation, 0.5);
  await counters.close();
  assert.equal(reader.get(), 750_000_000, "close() flushes");
  temp.cleanup();
});

test("a reservation never settled stops holding budget after its ttl, and a late settle still counts once", async () => {
  const temp = tempDataDir();
  const counters = createSqliteCounters({ db: temp.open(), flushIntervalMs: 10, reservationTtlMs: 1 });
  const r = await counters.reserve({ keyId: "k", maxCostUsd: 1, budgetUsd: 1, now: NOW });
  assert.ok(r.ok);
  // The sweep runs on the flush timer: wait for a tick, without asserting how long it took.
  while ((await counters.spend({ keyId: "k", now: NOW })).reservedUsd > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  await counters.settle(r.reservation, 0.4);
  await counters.settle(r.reservation, 0.4);
  assert.deepEqual(await counters.spend({ keyId: "k", now: NOW }), { keyId: "k", periodKey: "month:2025-06", spentUsd: 0.4, reservedUsd: 0 });
  await counters.close();
  temp.cleanup();
});

test("periods are UTC days and months", () => {
  assert.equal(periodKeyOf("day", Date.parse("2025-06-30T23:59:59.999Z")), "day:2025-06-30");
  assert.equal(periodKeyOf("day", Date.parse("2025-07-01T00:30:00+02:00")), "day:2025-06-30");
  assert.equal(periodKeyOf("month", Date.parse("2025-12-31T23:00:00Z")), "month:2025-12");
});

test("the timer's flush never waits on the event loop for a lock another connection holds; the spend is written once it is free", async () => {
  const temp = tempDataDir();
  const counters = createSqliteCounters({ db: temp.open(), flushIntervalMs: 20 });
  const other = temp.open().sqlite;
  const reader = temp.open().sqlite.prepare("SELECT spent_nano_usd FROM spend WHERE key_id = 'k'").pluck();
  const r = await counters.reserve({ keyId: "k", maxCostUsd: 1, now: NOW });
  assert.ok(r.ok);
  await counters.settle(r.reservation, 0.25);
  other.prepare("BEGIN IMMEDIATE").run(); // the write lock, as the ledger writer thread holds it during a commit
  // A flush that waited would sleep in SQLite's busy handler on this thread (the db's timeout is 5 s): timers would stall.
  let last = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5);
  await new Promise((resolve) => setTimeout(resolve, 150));
  clearInterval(ticker);
  assert.ok(longestGap < 100, `event loop stalled ${longestGap.toFixed(0)} ms`);
  other.prepare("COMMIT").run();
  for (let i = 0; i < 50 && reader.get() === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(reader.get(), 250_000_000, "written by a later tick once the lock was free");
  await counters.close();
  temp.cleanup();
});
