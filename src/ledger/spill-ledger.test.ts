import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FrugalError, isFrugalError } from "../core/errors.ts";
import { pgSkip, testPgUrl } from "../testing/services.ts";
import { proxyServiceUrl, type TcpProxy } from "../testing/tcp-proxy.ts";
import type { LedgerEntry, LedgerRow, LedgerStore } from "./ledger-types.ts";
import { openPgStores, type PgStores } from "./postgres/index.ts";
import { applicationName } from "./postgres/pg-pool.ts";
import { type PgTestSchema, pgTestSchema } from "./postgres/pg-test-schema.ts";
import { sampleEntry } from "./sample-entry.ts";
import { createSpillingLedger, type SpillState } from "./spill-ledger.ts";

const url = testPgUrl();
const entry = (i: number): LedgerEntry => sampleEntry(i, { requestId: `r-${i}` });

/** Waits until the spill is drained (replayed and truncated); fails rather than hangs when it never is. */
async function drained(spill: { pending(): { rows: number; bytes: number } }, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (spill.pending().rows > 0 || spill.pending().bytes > 0) {
    if (Date.now() > deadline) assert.fail(`spill not drained: ${JSON.stringify(spill.pending())}`);
    await sleep(20);
  }
}

async function allRows(t: PgTestSchema): Promise<Array<{ seq: number; request_id: string }>> {
  return (await t.raw.query<{ seq: number; request_id: string }>("SELECT seq::int AS seq, request_id FROM ledger ORDER BY seq")).rows;
}

interface Rig {
  t: PgTestSchema;
  proxy: TcpProxy;
  dir: string;
  open(): Promise<PgStores>;
  cleanup(): Promise<void>;
}

/** PostgreSQL behind a TCP proxy the test can cut, a schema of its own and a temp dir for the spill file. */
async function rig(): Promise<Rig> {
  const t = pgTestSchema(url!);
  const { proxy, url: proxied } = await proxyServiceUrl(url!);
  const dir = mkdtempSync(join(tmpdir(), "frugal-spill-"));
  const opened: PgStores[] = [];
  return {
    t,
    proxy,
    dir,
    async open() {
      const stores = await openPgStores({ url: proxied, schema: t.schema, connectTimeoutMs: 500, queryTimeoutMs: 3000 });
      opened.push(stores);
      return stores;
    },
    async cleanup() {
      proxy.restore();
      for (const s of opened) await s.close().catch(() => {});
      await proxy.close();
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("store cut mid-stream: rows spill durably, then replay in order when it returns; chain intact, no duplicate", pgSkip(), async () => {
  const r = await rig();
  try {
    const stores = await r.open();
    const states: SpillState[] = [];
    const path = join(r.dir, "spill.jsonl");
    const spill = createSpillingLedger({ inner: stores.ledger, path, maxBytes: 1_000_000, retryMs: 50, onState: (s) => states.push(s) });
    for (let i = 0; i < 5; i++) assert.equal((await spill.append(entry(i))).seq, i + 1);
    // 20 appends in flight when the connection is cut: each is either committed or spilled, never lost.
    const inFlight = Array.from({ length: 20 }, (_, i) => spill.append(entry(5 + i)));
    await new Promise((resolve) => setImmediate(resolve));
    r.proxy.cut();
    const during: LedgerRow[] = [];
    for (let i = 25; i < 35; i++) during.push(await spill.append(entry(i)));
    await Promise.all(inFlight);
    assert.ok(during.every((row) => row.seq === -1 && row.hash === ""), "spilled rows have no chain position yet");
    assert.ok(spill.pending().rows >= 10);
    const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => (JSON.parse(l) as LedgerEntry).requestId);
    assert.deepEqual(lines.slice(-10), during.map((row) => row.requestId), "fsynced to the spill file in order");
    assert.ok(states.some((s) => s.spilling));
    r.proxy.restore();
    await drained(spill);
    const rows = await allRows(r.t);
    assert.equal(rows.length, 35, "every append is in the ledger once");
    assert.equal(new Set(rows.map((x) => x.request_id)).size, 35);
    const order = rows.map((x) => x.request_id).filter((id) => lines.includes(id));
    assert.deepEqual(order, lines, "spilled rows are chained in the order they were spilled");
    assert.deepEqual(await spill.verify(), { ok: true, rows: 35, head: await spill.head() });
    assert.equal(readFileSync(path, "utf8"), "", "the spill file is truncated once drained");
    assert.equal(states.at(-1)?.spilling, false);
    await spill.close();
  } finally {
    await r.cleanup();
  }
});

test("a full spill refuses with ledger_unavailable (503); a spill left at close is replayed at the next start", pgSkip(), async () => {
  const r = await rig();
  try {
    const path = join(r.dir, "spill.jsonl");
    const first = await r.open();
    const states: SpillState[] = [];
    const spill = createSpillingLedger({ inner: first.ledger, path, maxBytes: 4000, retryMs: 50, onState: (s) => states.push(s) });
    r.proxy.cut();
    const accepted: string[] = [];
    let refused: unknown;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      await spill.append(entry(i)).then((row) => accepted.push(row.requestId), (error: unknown) => (refused = error));
    }
    assert.ok(isFrugalError(refused) && refused.code === "ledger_unavailable" && refused.status === 503, String(refused));
    assert.ok(accepted.length > 0 && spill.pending().bytes <= 4000);
    assert.equal(states.at(-1)?.full, true);
    await spill.close(); // still cut: the file stays for the next start
    assert.equal(readFileSync(path, "utf8").trim().split("\n").length, accepted.length);

    r.proxy.restore();
    const second = await r.open();
    const restarted = createSpillingLedger({ inner: second.ledger, path, maxBytes: 1_000_000, retryMs: 50 });
    const after = await restarted.append(entry(100)); // queued behind the leftover rows
    assert.equal(after.seq, -1);
    await drained(restarted);
    assert.deepEqual((await allRows(r.t)).map((x) => x.request_id), [...accepted, "r-100"]);
    assert.equal((await restarted.verify()).ok, true);
    await restarted.close();
  } finally {
    await r.cleanup();
  }
});

test("a spill left mid-replay by a dead replica duplicates nothing; an unterminated last line is ignored", pgSkip(), async () => {
  const r = await rig();
  try {
    const stores = await r.open();
    for (let i = 0; i < 3; i++) await stores.ledger.append(entry(i));
    const path = join(r.dir, "spill.jsonl");
    // Rows 1 and 2 were replayed before the crash, 3 and 4 were not; the last write was cut short (never acknowledged).
    writeFileSync(path, `${[1, 2, 3, 4].map((i) => JSON.stringify(entry(i))).join("\n")}\n{"ts":"2025-06-01T0`);
    const spill = createSpillingLedger({ inner: stores.ledger, path, maxBytes: 1_000_000, retryMs: 50 });
    assert.equal(spill.pending().rows, 4);
    await spill.append(entry(5));
    await drained(spill);
    assert.deepEqual((await allRows(r.t)).map((x) => x.request_id), ["r-0", "r-1", "r-2", "r-3", "r-4", "r-5"]);
    assert.equal((await spill.verify()).ok, true);
    await spill.close();
  } finally {
    await r.cleanup();
  }
});

test("pg_terminate_backend of the store's own connections mid-transaction and mid-load loses and duplicates nothing", pgSkip(), async () => {
  const t = pgTestSchema(url!);
  const dir = mkdtempSync(join(tmpdir(), "frugal-spill-"));
  const stores = await openPgStores({ url: url!, schema: t.schema, poolSize: 4 });
  const spill = createSpillingLedger({ inner: stores.ledger, path: join(dir, "spill.jsonl"), maxBytes: 1_000_000, retryMs: 50 });
  // Only this test's backends: the schema's application_name, never another suite's connections (nor the raw pool's).
  const terminate = async (): Promise<number> =>
    (await t.raw.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [applicationName(t.schema)])).rowCount ?? 0;
  const holder = await t.raw.connect();
  try {
    for (let i = 0; i < 10; i++) await spill.append(entry(i));
    // Hold the chain head so the next group commit waits inside its transaction, then kill it there.
    await holder.query("BEGIN");
    await holder.query("SELECT seq FROM ledger_head FOR UPDATE");
    const blocked = Array.from({ length: 20 }, (_, i) => spill.append(entry(10 + i)));
    const waiting = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'";
    while ((await t.raw.query<{ n: number }>(waiting, [applicationName(t.schema)])).rows[0]?.n === 0) await sleep(10);
    assert.ok((await terminate()) > 0);
    const spilled = await Promise.all(blocked);
    assert.ok(spilled.every((row) => row.seq === -1), "appends whose transaction was killed are spilled");
    await holder.query("ROLLBACK");
    // Then kills at random points of a steady load.
    const appends: Array<Promise<LedgerRow>> = [];
    for (let wave = 0; wave < 10; wave++) {
      for (let i = 0; i < 20; i++) appends.push(spill.append(entry(30 + wave * 20 + i)));
      if (wave % 3 === 1) await terminate();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(appends);
    await drained(spill);
    const rows = await allRows(t);
    assert.equal(rows.length, 230);
    assert.equal(new Set(rows.map((x) => x.request_id)).size, 230);
    assert.deepEqual(rows.slice(10, 30).map((x) => x.request_id), spilled.map((row) => row.requestId), "replayed in spill order");
    assert.equal((await spill.verify()).ok, true);
  } finally {
    holder.release();
    await spill.close();
    await stores.close();
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A store that fails every append with `error`: the spill's decisions without a database. */
function failingStore(error: unknown): LedgerStore {
  const no = () => Promise.reject(new Error("not used"));
  return { kind: "fake", append: () => Promise.reject(error), verify: no, exportRows: no, prune: no, count: no, head: no, findRequest: no, close: async () => {} };
}

test("only transient store errors spill; an entry the store would refuse is never written to the spill", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-spill-"));
  try {
    const refusing = createSpillingLedger({ inner: failingStore(new FrugalError("input_invalid", "no")), path: join(dir, "a.jsonl"), maxBytes: 1e6 });
    await assert.rejects(refusing.append(entry(0)), (e: unknown) => isFrugalError(e) && e.code === "input_invalid");
    assert.deepEqual(refusing.pending(), { rows: 0, bytes: 0 });
    await refusing.close();

    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const spill = createSpillingLedger({ inner: failingStore(down), path: join(dir, "b.jsonl"), maxBytes: 1e6, retryMs: 60_000 });
    assert.equal((await spill.append(entry(1))).seq, -1);
    await assert.rejects(spill.append({ ...entry(2), costUsd: Number.NaN }), (e: unknown) => isFrugalError(e) && e.code === "input_invalid");
    assert.equal(spill.pending().rows, 1);
    const stored = readFileSync(join(dir, "b.jsonl"), "utf8").trim().split("\n");
    assert.equal(stored.length, 1);
    assert.match((JSON.parse(stored[0]!) as LedgerEntry).ts ?? "", /^\d{4}-\d\d-\d\dT/, "the ts is fixed in the spill");
    await spill.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
