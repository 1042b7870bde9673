/**
 * The soak (`npm run soak`, not in CI): a frugal cluster on PostgreSQL (ledger, keys) + Redis (counters, cache) under an
 * open-loop load for minutes, each replica's RSS read from /proc every 5 s. Does memory stay flat under sustained load?
 *
 *   npm run soak -- [--minutes 10] [--rate 500] [--replicas 1|2|3] [--warmup-s 60] [--json]
 *
 * The load: route `bench-route` to the benches' stand-in upstream (one in four requests at temperature 0, so the shared
 * Redis cache is written and hit) alternating with the compact-only task `banking77` (a BANKING77 classifier trained once
 * into .frugal/bench/), BANKING77 test texts, round-robin over the replicas. RSS is sampled from the start; the first
 * `--warmup-s` seconds (JIT, pools, caches filling) are left out, then `--minutes` are measured. Drift = mean RSS of the
 * last window − mean of the first window after the warm-up, over the first, per replica; the window is a minute (or a
 * third of the measured time when shorter). Exit 1 when any replica's drift is beyond ±10% or more than 0.1% of the
 * requests failed. Figures are `measured` on whatever machine runs this: the load average is printed with them.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { banking77Texts, ensureClassifier, ROUTE, TASK } from "./gateway-systems.ts";
import { processRssMiB } from "./gateway-load.ts";
import { loadAtRate, replicaTarget, startBenchCluster, startBenchUpstream } from "./store-cluster.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "500" },
    replicas: { type: "string", default: "1" },
    "warmup-s": { type: "string", default: "60" },
    json: { type: "boolean", default: false },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const replicas = Number(values.replicas);
const warmupS = Number(values["warmup-s"]);
if (!(minutes > 0) || !(rate > 0) || ![1, 2, 3].includes(replicas) || !(warmupS >= 0)) {
  process.stderr.write("error: --minutes > 0, --rate > 0, --replicas 1|2|3, --warmup-s >= 0\n");
  process.exit(2);
}
const SAMPLE_S = 5;
const DRIFT_LIMIT = 0.1;
const ERROR_LIMIT = 0.001;

const log = (line: string): void => void process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)} load ${(loadavg()[0] ?? 0).toFixed(1)}] ${line}\n`);

const texts = banking77Texts();
const bodies = texts.slice(0, 1000).flatMap((text, i) => [
  JSON.stringify({ model: ROUTE, messages: [{ role: "user", content: text }], max_tokens: 16, ...(i % 4 === 0 ? { temperature: 0 } : {}) }),
  JSON.stringify({ model: TASK, messages: [{ role: "user", content: text }] }),
]);

const classifier = await ensureClassifier();
const upstream = await startBenchUpstream();
log(`starting ${replicas} replica(s) on PostgreSQL + Redis`);
const bench = await startBenchCluster({ kind: "pg-redis", replicas, upstreamV1: upstream.v1, classifier });
let exitCode = 0;
try {
  const target = replicaTarget(bench.cluster.replicas.map((r) => r.url), bench.key, "/v1/chat/completions", bodies, 64 * replicas);
  const samples: Array<{ s: number; rss: Array<number | null> }> = [];
  const sample = (s: number): void => {
    if (s % SAMPLE_S === 0) samples.push({ s, rss: bench.cluster.replicas.map((r) => processRssMiB(r.pid)) });
  };
  sample(0);
  const seconds = warmupS + minutes * 60;
  log(`load: ${rate} req/s for ${seconds} s (${warmupS} s warm-up, then ${minutes} min measured), RSS every ${SAMPLE_S} s`);
  const result = await loadAtRate(target, {
    rate,
    seconds,
    onSecond: (s) => {
      sample(s);
      if (s % 30 === 0) log(`${s} s: RSS ${samples.at(-1)?.rss.map((r) => r?.toFixed(1)).join(", ")} MiB`);
    },
  });
  await target.close();
  // What the failures were, as the replicas counted them (the load client only sees statuses).
  const refusals = await Promise.all(
    bench.cluster.replicas.map(async (r) => {
      const text = await (await fetch(`${r.url}/metrics`)).text();
      return text.split("\n").filter((l) => /^frugal_(rejections_total|store_errors_total|budget_store_unavailable_total)\{/.test(l));
    }),
  );

  const measured = samples.filter((x) => x.s >= warmupS);
  const windowS = Math.min(60, (minutes * 60) / 3);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const last = measured.at(-1)?.s ?? warmupS;
  const perReplica = bench.cluster.replicas.map((r, i) => {
    const rssOf = (from: number, to: number) => measured.filter((x) => x.s >= from && x.s <= to).map((x) => x.rss[i]).filter((v): v is number => v !== null && v !== undefined);
    const first = mean(rssOf(warmupS, warmupS + windowS));
    const end = mean(rssOf(last - windowS, last));
    return { replica: r.index, first_window_mib: round(first), last_window_mib: round(end), drift_pct: round(((end - first) / first) * 100) };
  });
  const total = result.ok + result.errors + result.abandoned;
  const errorRate = total === 0 ? 1 : (result.errors + result.abandoned) / total;
  const worst = Math.max(...perReplica.map((p) => Math.abs(p.drift_pct)));
  const pass = worst <= DRIFT_LIMIT * 100 && errorRate <= ERROR_LIMIT;
  exitCode = pass ? 0 : 1;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", loadavg_1m_after: round(loadavg()[0] ?? 0), node: process.version },
    stores: "ledger+keys PostgreSQL, counters+cache Redis",
    replicas,
    rate_per_s: rate,
    warmup_s: warmupS,
    measured_minutes: minutes,
    window_s: windowS,
    requests: { sent: result.sent, ok: result.ok, errors: result.errors, abandoned: result.abandoned, error_rate_pct: round(errorRate * 100, 3), first_error: result.firstError ?? null },
    achieved_rps: result.achievedRps,
    latency_ms: { p50: round(result.latency.p50), p90: round(result.latency.p90), p99: round(result.latency.p99), max: round(result.latency.max) },
    rss: perReplica,
    refusals_counted_by_replicas: refusals,
    rss_samples: samples,
    limits: { drift_pct: DRIFT_LIMIT * 100, error_rate_pct: ERROR_LIMIT * 100 },
    pass,
    provenance: "measured",
  };
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const lines = [
      `frugal soak — ${replicas} replica(s) on PostgreSQL + Redis, ${rate} req/s open loop (route + compact task), ${warmupS} s warm-up + ${minutes} min measured; ${report.machine.cpus} CPUs, load average ${report.machine.loadavg_1m_after} after`,
      `requests: ${result.sent} sent, ${result.ok} ok, ${result.errors} errors, ${result.abandoned} abandoned (${report.requests.error_rate_pct}%)${result.firstError === undefined ? "" : `; first error: ${result.firstError}`}; achieved ${result.achievedRps} req/s`,
      `latency from the scheduled send (ms): p50 ${report.latency_ms.p50}, p90 ${report.latency_ms.p90}, p99 ${report.latency_ms.p99}, max ${report.latency_ms.max}`,
      ...refusals.map((lines, i) => `replica ${i} counted: ${lines.length === 0 ? "no refusals, no store errors" : lines.join(", ")}`),
      ...perReplica.map((p) => `replica ${p.replica}: RSS ${p.first_window_mib} MiB (first ${windowS} s after warm-up) → ${p.last_window_mib} MiB (last ${windowS} s): drift ${p.drift_pct > 0 ? "+" : ""}${p.drift_pct}%`),
      `verdict: ${pass ? "PASS" : "FAIL"} (|drift| ≤ ${DRIFT_LIMIT * 100}% and errors ≤ ${ERROR_LIMIT * 100}%)`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
} finally {
  await bench.stop();
  await upstream.stop();
}
process.exit(exitCode);

function round(v: number | null, digits = 2): number {
  const f = 10 ** digits;
  return v === null ? Number.NaN : Math.round(v * f) / f;
}
