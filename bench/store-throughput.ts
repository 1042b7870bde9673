/**
 * Throughput per replica with each store: the SQLite default (1 replica) against PostgreSQL (ledger, keys) + Redis
 * (counters, cache) with 1 and 2 replicas (round-robin in the load client, as a load balancer would), on a route request
 * to the benches' stand-in upstream and on a compact task request (BANKING77, compact tier only).
 *
 *   node --import tsx bench/store-throughput.ts [--rate 100] [--seconds 10] [--max-seconds 10] [--concurrency 32] [--json]
 *
 * Per setup and request: max req/s (closed loop, `--concurrency` in flight over the replicas, 200s only), then P50/P99
 * at a fixed `--rate` (open loop, latency from the scheduled send) and the P99 it adds over the same requests sent to the
 * stand-in upstream directly; CPU per answered request of the replicas (user+system from /proc/PID/stat, read from
 * outside), and per request the Redis round trips and PostgreSQL commits the servers counted (INFO commandstats
 * EVALSHA+EVAL calls, pg_stat_database xact_commit: server-wide deltas, so any other client of the same servers adds to
 * them — printed as upper bounds). Every process shares the machine's cores (2 here, with the load client, the
 * upstream, PostgreSQL and Redis): the load average is printed with the table. Figures are `measured`.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";
import { processCpuMs } from "./gateway-load.ts";
import { banking77Texts, ensureClassifier, ROUTE, TASK } from "./gateway-systems.ts";
import { loadAtMax, loadAtRate, replicaTarget, serviceUrls, startBenchCluster, startBenchUpstream, type StoreKind } from "./store-cluster.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
    "max-seconds": { type: "string", default: "10" },
    concurrency: { type: "string", default: "32" },
    json: { type: "boolean", default: false },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const maxSeconds = Number(values["max-seconds"]);
const concurrency = Number(values.concurrency);
const log = (line: string): void => void process.stderr.write(`[store-bench ${new Date().toISOString().slice(11, 19)} load ${(loadavg()[0] ?? 0).toFixed(1)}] ${line}\n`);
const round = (v: number | null, digits = 1): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

const SETUPS: Array<{ name: string; kind: StoreKind; replicas: number }> = [
  { name: "SQLite default, 1 replica", kind: "sqlite", replicas: 1 },
  { name: "PG ledger + Redis counters, 1 replica", kind: "pg-redis", replicas: 1 },
  { name: "PG ledger + Redis counters, 2 replicas", kind: "pg-redis", replicas: 2 },
];
const texts = banking77Texts().slice(0, 1000);
const REQUESTS = {
  route: texts.map((t) => JSON.stringify({ model: ROUTE, messages: [{ role: "user", content: t }], max_tokens: 16 })),
  task: texts.map((t) => JSON.stringify({ model: TASK, messages: [{ role: "user", content: t }] })),
};

const { pgUrl, redisUrl } = serviceUrls();
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
const sql = new pg.Pool({ connectionString: pgUrl, max: 1 });
/**
 * Server-side counts: Redis round trips (frugal's counters and cache make every call one Lua script: EVALSHA/EVAL calls,
 * from INFO commandstats; total_commands_processed would also count the commands run inside the scripts) and PostgreSQL
 * commits (the ledger's group commits, key reads).
 */
async function serverCounts(): Promise<{ redisCommands: number; pgXacts: number }> {
  const info = await redis.info("commandstats");
  const calls = (name: string): number => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  const commands = calls("evalsha") + calls("eval");
  const { rows } = await sql.query<{ x: string }>("SELECT xact_commit AS x FROM pg_stat_database WHERE datname = current_database()");
  return { redisCommands: commands, pgXacts: Number(rows[0]?.x ?? Number.NaN) };
}

interface Row {
  setup: string;
  request: "route" | "task";
  max_rps: number;
  max_errors: number;
  cpu_ms_per_request: number | null;
  replica_cores_at_max: number | null;
  redis_commands_per_request: number | null;
  pg_xacts_per_request: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  added_p99_ms: number | null;
  rate_errors: number;
  loadavg_1m: number | null;
}

const classifier = await ensureClassifier();
const upstream = await startBenchUpstream();
const rows: Row[] = [];
try {
  // The baseline: the same route bodies straight to the stand-in upstream at the same rate.
  const direct = replicaTarget([`http://127.0.0.1:${upstream.upstream.port}`], "none", "/v1/chat/completions", REQUESTS.route, concurrency);
  await loadAtRate(direct, { rate, seconds: 2 });
  const directRun = await loadAtRate(direct, { rate, seconds });
  await direct.close();
  log(`direct upstream at ${rate} req/s: p99 ${round(directRun.latency.p99, 2)} ms`);

  for (const setup of SETUPS) {
    log(`starting: ${setup.name}`);
    const bench = await startBenchCluster({ kind: setup.kind, replicas: setup.replicas, upstreamV1: upstream.v1, classifier });
    try {
      const origins = bench.cluster.replicas.map((r) => r.url);
      const pids = bench.cluster.replicas.map((r) => r.pid);
      for (const request of ["route", "task"] as const) {
        const target = replicaTarget(origins, bench.key, "/v1/chat/completions", REQUESTS[request], concurrency);
        await loadAtMax(target, { concurrency, seconds: 3 }); // warm-up: JIT, pools, keys cache
        const cpuBefore = pids.map(processCpuMs);
        const countsBefore = await serverCounts();
        const max = await loadAtMax(target, { concurrency, seconds: maxSeconds });
        const countsAfter = await serverCounts();
        const cpuMs = pids.reduce((sum, pid, i) => sum + ((processCpuMs(pid) ?? Number.NaN) - (cpuBefore[i] ?? Number.NaN)), 0);
        const atRate = await loadAtRate(target, { rate, seconds });
        await target.close();
        const per = (n: number): number | null => (max.ok === 0 || !Number.isFinite(n) ? null : n / max.ok);
        const row: Row = {
          setup: setup.name,
          request,
          max_rps: max.achievedRps,
          max_errors: max.errors + max.abandoned,
          cpu_ms_per_request: round(per(cpuMs), 2),
          replica_cores_at_max: round(Number.isFinite(cpuMs) ? cpuMs / 1000 / maxSeconds : null, 2),
          redis_commands_per_request: setup.kind === "sqlite" ? null : round(per(countsAfter.redisCommands - countsBefore.redisCommands), 2),
          pg_xacts_per_request: setup.kind === "sqlite" ? null : round(per(countsAfter.pgXacts - countsBefore.pgXacts), 2),
          p50_ms: round(atRate.latency.p50, 2),
          p99_ms: round(atRate.latency.p99, 2),
          added_p99_ms: atRate.latency.p99 === null || directRun.latency.p99 === null ? null : round(atRate.latency.p99 - directRun.latency.p99, 2),
          rate_errors: atRate.errors + atRate.abandoned,
          loadavg_1m: round(loadavg()[0] ?? null, 2),
        };
        rows.push(row);
        log(`${setup.name}, ${request}: ${JSON.stringify(row)}${max.firstError === undefined ? "" : ` first error at max: ${max.firstError}`}`);
      }
    } finally {
      await bench.stop();
    }
  }
} finally {
  await upstream.stop();
  redis.disconnect();
  await sql.end();
}

const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"}), node ${process.version}`;
if (values.json) process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), machine, rate, seconds, max_seconds: maxSeconds, concurrency, rows, provenance: "measured" })}\n`);
else {
  const header = `| setup | request | max req/s (closed, ${concurrency} in flight) | replica CPU ms/req | replica cores at max | Redis round trips/req* | PG commits/req* | P50 / P99 at ${rate} req/s (ms) | added P99 vs direct (ms) | errors (max / rate) | load avg |`;
  const lines = [
    `frugal store throughput — ${machine}; direct upstream P99 at ${rate} req/s as the baseline; ${maxSeconds} s at max, ${seconds} s at the rate`,
    header,
    `|${header.split("|").slice(1, -1).map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.setup} | ${r.request} | ${r.max_rps} | ${r.cpu_ms_per_request ?? "-"} | ${r.replica_cores_at_max ?? "-"} | ${r.redis_commands_per_request ?? "-"} | ${r.pg_xacts_per_request ?? "-"} | ${r.p50_ms} / ${r.p99_ms} | ${r.added_p99_ms} | ${r.max_errors} / ${r.rate_errors} | ${r.loadavg_1m} |`),
    `* server-wide deltas during the max run (other clients of the same Redis / PostgreSQL add to them): upper bounds.`,
    `Bottleneck: compare "replica cores at max" with the cores free to the replicas (2 here, shared with the client, the upstream, PostgreSQL and Redis).`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
