/**
 * Measured ledger append cost on PostgreSQL (src/ledger/postgres), with SQLite beside it under the same driver: appends
 * one at a time (the latency of one transaction), appends with 64 in flight (group commit: the rows/s one process gets),
 * the same split over two store instances (two replicas' worth of contention on the one global chain head, here in one
 * process), and verify/export throughput. Runs on its own schema, dropped at the end.
 *
 *   FRUGAL_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/ledger-pg.ts [--n 10000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openSqliteGovernance } from "../src/ledger/index.ts";
import { openPgStores } from "../src/ledger/postgres/index.ts";
import { sampleEntry } from "../src/ledger/sample-entry.ts";
import { uniqueTestName } from "../src/testing/services.ts";
import { timed, timedConcurrent } from "./timed-calls.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "10000" }, url: { type: "string" }, concurrency: { type: "string", default: "64" } } });
const url = values.url ?? process.env.FRUGAL_TEST_PG_URL;
if (url === undefined) throw new Error("set FRUGAL_TEST_PG_URL or --url");
const n = Number(values.n);
const concurrency = Number(values.concurrency);
const schema = uniqueTestName("schema");
const entry = (i: number) => sampleEntry(i, { ts: undefined, requestId: `bench-${i}` });

const figures: Record<string, unknown> = {};
const a = await openPgStores({ url, schema, poolSize: 4 });
const b = await openPgStores({ url, schema, poolSize: 4 });
let offset = 0;
const fresh = () => (offset += n);
try {
  const seqBase = fresh();
  figures.pg_append_one_at_a_time = await timed(Math.ceil(n / 4), (i) => a.ledger.append(entry(seqBase + i)));
  const concBase = fresh();
  figures[`pg_append_${concurrency}_in_flight`] = await timedConcurrent(n, concurrency, (i) => a.ledger.append(entry(concBase + i)));
  const twoBase = fresh();
  figures[`pg_append_${concurrency}_in_flight_two_instances`] = await timedConcurrent(n, concurrency, (i) => (i % 2 === 0 ? a : b).ledger.append(entry(twoBase + i)));
  let t = performance.now();
  const verified = await a.ledger.verify();
  figures.pg_verify = { rows: verified.rows, ok: verified.ok, rows_per_s: Math.round(verified.rows / ((performance.now() - t) / 1000)) };
  t = performance.now();
  const exported = await a.ledger.exportRows({ format: "jsonl" }, () => {});
  figures.pg_export_jsonl = { rows: exported.rows, rows_per_s: Math.round(exported.rows / ((performance.now() - t) / 1000)) };
} finally {
  await a.close();
  await b.close();
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  await raw.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await raw.end();
}

const dir = mkdtempSync(join(tmpdir(), "frugal-bench-ledger-"));
const sqlite = openSqliteGovernance({ dataDir: dir });
try {
  figures[`sqlite_append_${concurrency}_in_flight`] = await timedConcurrent(n, concurrency, (i) => sqlite.ledger.append(entry(i)));
} finally {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}
const server = await (async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const settings = await c.query("SELECT version() AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS f");
  await c.end();
  return settings.rows[0] as { v: string; sc: string; f: string };
})();
const conditions = { n, concurrency, postgres: server.v.split(" on ")[0], synchronous_commit: server.sc, fsync: server.f, sqlite: "WAL, synchronous NORMAL", node: process.version, loadavg: loadavg().map((x) => Number(x.toFixed(2))), date: new Date().toISOString() };
process.stdout.write(`${JSON.stringify({ bench: "ledger-pg", provenance: "measured", figures, conditions }, null, 2)}\n`);
