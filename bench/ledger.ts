/**
 * Measured hot-path cost of governance on SQLite (src/ledger): what the gateway adds per request for the key check, the
 * rate limit, the budget reservation + settle, and the durable ledger append; plus verify/export throughput. Each figure
 * is timed here with process.hrtime around the awaited call (one call at a time, in one process), on a temp data dir.
 *
 *   node --import tsx bench/ledger.ts [--n 20000] [--body-bytes 0]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openSqliteGovernance } from "../src/ledger/index.ts";
import { sampleEntry } from "../src/ledger/sample-entry.ts";
import { timed } from "./timed-calls.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "20000" }, "body-bytes": { type: "string", default: "0" } } });
const n = Number(values.n);
const body = Number(values["body-bytes"]) > 0 ? "x".repeat(Number(values["body-bytes"])) : undefined;

/** Appends on a fresh data dir with the given checkpoint mode: the WAL checkpoint is where a commit's tail latency hides. */
async function appendBench(checkpoint: "auto" | "background"): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "frugal-bench-ledger-"));
  const gov = openSqliteGovernance({ dataDir: dir, checkpoint });
  try {
    return await timed(n, (i) => gov.ledger.append(sampleEntry(i, { ts: undefined, ...(body !== undefined && { body }) })));
  } finally {
    await gov.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const dataDir = mkdtempSync(join(tmpdir(), "frugal-bench-ledger-"));
const g = openSqliteGovernance({ dataDir });
const figures: Record<string, unknown> = {};
try {
  const created = await g.keys.create({ team: "bench", budgetUsd: 1e6, rpm: 1e9, tpm: 1e12 });
  await g.keys.authenticate(created.key); // warm the cache, as a running gateway has it
  figures.authenticate = await timed(n, () => g.keys.authenticate(created.key));
  figures.check_rate = await timed(n, (i) => g.counters.checkRate({ keyId: created.id, rpm: 1e9, tpm: 1e12, tokens: 100 + (i % 50) }));
  figures.reserve_settle = await timed(n, async () => {
    const r = await g.counters.reserve({ keyId: created.id, maxCostUsd: 0.01, budgetUsd: 1e6, period: "month" });
    if (r.ok) await g.counters.settle(r.reservation, 0.004);
  });
  figures.ledger_append_checkpoint_auto = await appendBench("auto");
  figures.ledger_append_checkpoint_background = await appendBench("background");
  for (let i = 0; i < n; i++) await g.ledger.append(sampleEntry(i, { ts: undefined, ...(body !== undefined && { body }) }));
  let t = performance.now();
  const verified = await g.ledger.verify();
  figures.verify = { rows: verified.rows, ok: verified.ok, rows_per_s: Math.round(verified.rows / ((performance.now() - t) / 1000)) };
  t = performance.now();
  let bytes = 0;
  const exported = await g.ledger.exportRows({ format: "jsonl" }, (chunk) => {
    bytes += chunk.length;
  });
  figures.export_jsonl = { rows: exported.rows, mb: Math.round(bytes / 1e5) / 10, rows_per_s: Math.round(exported.rows / ((performance.now() - t) / 1000)) };
} finally {
  await g.close();
  rmSync(dataDir, { recursive: true, force: true });
}
const conditions = { n, body_bytes: body?.length ?? 0, synchronous: "NORMAL (WAL)", node: process.version, loadavg: loadavg().map((x) => Number(x.toFixed(2))), date: new Date().toISOString() };
process.stdout.write(`${JSON.stringify({ bench: "ledger", provenance: "measured", figures, conditions }, null, 2)}\n`);
