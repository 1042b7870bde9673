/**
 * Measured throughput of a budget reservation + settle (the two counter calls every budgeted request makes) with 64 in
 * flight from one process: the Redis counters (one Lua script per call, shared by replicas) against the in-process SQLite
 * counters, in the same run, on the same machine. Latency is timed with process.hrtime around reserve → settle.
 *
 *   node --import tsx bench/counters-redis.ts [--n 20000] [--concurrency 64] [--url redis://127.0.0.1:6379/15]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { percentile } from "../src/core/percentile.ts";
import type { Counters } from "../src/ledger/counter-types.ts";
import { createSqliteCounters } from "../src/ledger/sqlite-counters.ts";
import { tempDataDir } from "../src/ledger/test-db.ts";
import { createRedisCounters } from "../src/ledger/redis/index.ts";
import { deleteRedisPrefix } from "../src/testing/redis-prefix.ts";
import { uniqueTestName } from "../src/testing/services.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "64" },
    url: { type: "string", default: process.env.FRUGAL_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15" },
  },
});
const n = Number(values.n);
const concurrency = Number(values.concurrency);

async function run(counters: Counters): Promise<Record<string, number>> {
  const us: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < n) {
        next++;
        const t = process.hrtime.bigint();
        // 8 keys: several tenants at once, each with a budget that never refuses (what is timed is the round trip).
        const r = await counters.reserve({ keyId: `bench-${worker % 8}`, maxCostUsd: 0.01, budgetUsd: 1e6 });
        if (!r.ok) throw new Error("the bench budget refused a request");
        await counters.settle(r.reservation, 0.004);
        us.push(Number(process.hrtime.bigint() - t) / 1000);
      }
    }),
  );
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    round_trips: us.length,
    per_s: Math.round(us.length / totalS),
    p50_us: round(percentile(us, 50)),
    p99_us: round(percentile(us, 99)),
    cpu_us_per_round_trip: round((used.user + used.system) / us.length),
  };
}

const dir = tempDataDir();
const sqlite = createSqliteCounters({ db: dir.open() });
const prefix = uniqueTestName("prefix");
const redis = createRedisCounters({ url: values.url, prefix, commandTimeoutMs: 5000 });
try {
  await run(sqlite); // warm-up of both paths (JIT, script load), not reported
  await run(redis);
  const sqliteResult = await run(sqlite);
  const redisResult = await run(redis);
  console.log(
    JSON.stringify(
      {
        what: "reserve+settle round trips, measured",
        concurrency,
        loadavg_1m: Math.round(loadavg()[0]! * 100) / 100,
        sqlite: sqliteResult,
        redis: redisResult,
        redis_over_sqlite_throughput: Math.round((redisResult.per_s! / sqliteResult.per_s!) * 1000) / 1000,
      },
      null,
      2,
    ),
  );
} finally {
  await sqlite.close();
  await redis.close();
  dir.cleanup();
  await deleteRedisPrefix(values.url, prefix);
}
