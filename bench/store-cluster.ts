/**
 * What bench/soak.ts and bench/store-throughput.ts share: a local frugal cluster (src/testing/cluster.ts: N `frugal serve`
 * processes through the real CLI) on either the SQLite default or PostgreSQL (ledger, keys) + Redis (counters, cache) in a
 * schema and key prefix of the run's own, in front of the benches' stand-in upstream (bench/gateway-servers.ts, its own
 * process), serving route `bench-route` and the compact-only task `banking77` (bench/gateway-systems.ts); and an HTTP
 * load spread round-robin over the replicas, as a load balancer would: open loop at a rate (the PoC's generator: latency
 * from the scheduled send, no coordinated omission) or closed loop at max.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { createLatencyHistogram, type HistogramSummaryMs } from "../src/poc/histogram.ts";
import { runClosedLoop, runOpenLoop, type LoadRunSummary, type RequestTiming } from "../src/poc/load-generator.ts";
import { buildSchedule } from "../src/poc/schedule.ts";
import { newKey } from "../src/gateway/testing/serve-child.ts";
import { openPgStores } from "../src/ledger/postgres/index.ts";
import { isolatedStores, startCluster, storeKeys, type Cluster, type IsolatedStores } from "../src/testing/cluster.ts";
import { dispatchPost } from "./gateway-load.ts";
import { frugalConfig, startUpstream, type Started } from "./gateway-systems.ts";

export type StoreKind = "sqlite" | "pg-redis";

export interface BenchCluster {
  cluster: Cluster;
  key: string;
  /** The run's schema and prefix (pg-redis only). */
  stores?: IsolatedStores;
  stop(): Promise<void>;
}

export function serviceUrls(): { pgUrl: string; redisUrl: string } {
  return {
    pgUrl: process.env.FRUGAL_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    redisUrl: process.env.FRUGAL_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15",
  };
}

/** One stand-in upstream for every cluster of a run (its own process, answers at once). */
export async function startBenchUpstream(): Promise<{ upstream: Started; v1: string; stop(): Promise<void> }> {
  const logDir = mkdtempSync(join(tmpdir(), "frugal-store-bench-"));
  const upstream = await startUpstream(0, logDir);
  return {
    upstream,
    v1: `http://127.0.0.1:${upstream.port}/v1`,
    async stop() {
      await upstream.stop();
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

export async function startBenchCluster(options: { kind: StoreKind; replicas: number; upstreamV1: string; classifier: string }): Promise<BenchCluster> {
  const base = frugalConfig(options.upstreamV1, options.classifier);
  if (options.kind === "sqlite") {
    if (options.replicas !== 1) throw new Error("the SQLite default is one replica: each would keep its own budgets and ledger");
    const cluster = await startCluster({ config: { ...base, cache: { enabled: true } }, replicas: 1 });
    const key = await newKey(cluster.replicas[0]!.dataDir, "bench");
    return { cluster, key, stop: () => cluster.stop() };
  }
  const { pgUrl, redisUrl } = serviceUrls();
  const stores = isolatedStores(pgUrl, redisUrl);
  const keys = storeKeys(stores);
  const cluster = await startCluster({ config: { ...base, ...keys, cache: { enabled: true, ...(keys.cache as object) } }, replicas: options.replicas }).catch(async (error: unknown) => {
    await stores.cleanup();
    throw error;
  });
  const pg = await openPgStores({ url: pgUrl, schema: stores.schema });
  const created = await pg.keys.create({ team: "bench", budgetUsd: 1_000_000, period: "month" }).finally(() => pg.close());
  return {
    cluster,
    key: created.key,
    stores,
    async stop() {
      await cluster.stop();
      await stores.cleanup();
    },
  };
}

export interface ReplicaTarget {
  pools: Pool[];
  path: string;
  headers: Record<string, string>;
  bodies: readonly string[];
  close(): Promise<void>;
}

/** Requests to `origins` round-robin (replicas, or the upstream itself for a baseline), `connections` in all. */
export function replicaTarget(origins: readonly string[], key: string, path: string, bodies: readonly string[], connections: number): ReplicaTarget {
  const pools = origins.map((origin) => new Pool(origin, { connections: Math.max(1, Math.ceil(connections / origins.length)), pipelining: 1 }));
  return {
    pools,
    path,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    bodies,
    async close() {
      await Promise.all(pools.map((p) => p.destroy()));
    },
  };
}

/** Request i to replica i mod N; resolves on a 200 read to its end, rejects on anything else. */
function post(target: ReplicaTarget, i: number): Promise<void> {
  return dispatchPost(target.pools[i % target.pools.length]!, { origin: "", ...target }, target.bodies[i % target.bodies.length] as string);
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  abandoned: number;
  firstError?: string;
  achievedRps: number;
  latency: HistogramSummaryMs;
}

/** Latencies of the answered requests, and the failures counted apart (with the first one's reason). */
function outcomes() {
  const latency = createLatencyHistogram();
  let errors = 0;
  let firstError: string | undefined;
  return {
    onComplete(t: RequestTiming<void>): void {
      if (t.error === undefined) latency.record(t.latencyMs);
      else {
        errors++;
        firstError ??= t.error instanceof Error ? t.error.message : String(t.error);
      }
    },
    result(run: LoadRunSummary): LoadResult {
      const ok = run.completed - errors;
      return { sent: run.sent, ok, errors, abandoned: run.abandoned.length, ...(firstError === undefined ? {} : { firstError }), achievedRps: Math.round(ok / (run.durationMs / 1000)), latency: latency.summary() };
    },
  };
}

export async function loadAtRate(target: ReplicaTarget, options: { rate: number; seconds: number; onSecond?: (second: number) => void }): Promise<LoadResult> {
  const schedule = buildSchedule({ kind: "constant", rate: options.rate, count: Math.round(options.rate * options.seconds), seed: 1 });
  const seen = outcomes();
  let second = 0;
  const ticker = options.onSecond === undefined ? undefined : setInterval(() => options.onSecond?.(++second), 1000);
  const run = await runOpenLoop({
    schedule,
    drainMs: 10_000,
    send: (i) => post(target, i),
    onComplete: seen.onComplete,
  });
  if (ticker !== undefined) clearInterval(ticker);
  return seen.result(run);
}

/** Closed loop: `concurrency` requests always in flight for `seconds`; the rate of 200s is the max. */
export async function loadAtMax(target: ReplicaTarget, options: { concurrency: number; seconds: number }): Promise<LoadResult> {
  const seen = outcomes();
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), options.seconds * 1000);
  const run = await runClosedLoop({
    count: Number.MAX_SAFE_INTEGER,
    concurrency: options.concurrency,
    drainMs: 10_000,
    signal: stop.signal,
    send: (i) => post(target, i),
    onComplete: seen.onComplete,
  });
  clearTimeout(timer);
  return seen.result(run);
}
