import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { isFrugalError } from "../../core/errors.ts";
import { createRng } from "../../core/random.ts";
import { redisSkip, testRedisUrl, uniqueTestName } from "../../testing/services.ts";
import { deleteRedisPrefix } from "../../testing/redis-prefix.ts";
import { proxyServiceUrl } from "../../testing/tcp-proxy.ts";
import { runCountersContract } from "../counters-contract.ts";
import { createRedisCounters, type RedisCountersOptions } from "./redis-counters.ts";
import { redisEndpoint } from "./connection.ts";

const url = testRedisUrl();
// Generous per-command timeout: the test machine is shared; the outage test sets its own short one.
const open = (prefix: string, extra: Partial<RedisCountersOptions> = {}) => createRedisCounters({ url: url!, prefix, commandTimeoutMs: 5000, ...extra });

if (url !== undefined) {
  runCountersContract("redis", async () => {
    const prefix = uniqueTestName("prefix");
    return { open: async () => open(prefix), cleanup: async () => void (await deleteRedisPrefix(url, prefix)) };
  });
} else {
  test("redis counters contract", redisSkip(), () => {});
}

test("4 replicas racing 100 reserves on one budget never jointly overshoot it", redisSkip(), async () => {
  const prefix = uniqueTestName("prefix");
  const replicas = Array.from({ length: 4 }, () => open(prefix));
  const rng = createRng(11);
  const maxCost = 0.01;
  const budget = 10 * maxCost;
  let settledNano = 0;
  let admitted = 0;
  let refused = 0;
  try {
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const counters = replicas[i % 4]!;
        const r = await counters.reserve({ keyId: "shared", maxCostUsd: maxCost, budgetUsd: budget });
        if (!r.ok) return void refused++;
        admitted++;
        await sleep(Math.floor(rng() * 5));
        // Half the requests cost their full reservation: the tightest case for the bound.
        const actual = i % 2 === 0 ? maxCost : Math.round(rng() * maxCost * 1e6) / 1e6;
        settledNano += Math.round(actual * 1e9);
        await counters.settle(r.reservation, actual);
      }),
    );
    const spend = await replicas[0]!.spend({ keyId: "shared" });
    assert.equal(spend.spentUsd, settledNano / 1e9, "every replica's settle is counted, exactly");
    assert.ok(spend.spentUsd <= budget, `spent ${spend.spentUsd} > budget ${budget}`);
    assert.equal(spend.reservedUsd, 0);
    assert.ok(refused > 0 && admitted >= 10, `admitted ${admitted}, refused ${refused}`);
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
    await deleteRedisPrefix(url!, prefix);
  }
});

test("a replica killed with reservations outstanding frees them after the reservation TTL", redisSkip(), async () => {
  const prefix = uniqueTestName("prefix");
  const killed = open(prefix, { reservationTtlMs: 300 });
  const survivor = open(prefix, { reservationTtlMs: 300 });
  try {
    const input = { keyId: "k", maxCostUsd: 0.4, budgetUsd: 1 };
    assert.ok((await killed.reserve(input)).ok);
    assert.ok((await killed.reserve(input)).ok);
    await killed.close(); // never settled nor released
    assert.equal((await survivor.spend({ keyId: "k" })).reservedUsd, 0.8);
    assert.equal((await survivor.reserve(input)).ok, false, "the dead replica's reservations still hold budget");
    await sleep(400);
    assert.deepEqual(await survivor.spend({ keyId: "k" }).then((s) => [s.spentUsd, s.reservedUsd]), [0, 0]);
    assert.ok((await survivor.reserve(input)).ok, "expired reservations freed the budget with no sweeper");
  } finally {
    await survivor.close();
    await deleteRedisPrefix(url!, prefix);
  }
});

test("an expired reservation settled late counts its spend once; release after expiry is a no-op", redisSkip(), async () => {
  const prefix = uniqueTestName("prefix");
  const counters = open(prefix, { reservationTtlMs: 1000 });
  const t0 = Date.parse("2025-06-15T12:00:00Z");
  try {
    const late = await counters.reserve({ keyId: "k", maxCostUsd: 0.5, budgetUsd: 1, period: "day", now: t0 });
    const dropped = await counters.reserve({ keyId: "k", maxCostUsd: 0.5, budgetUsd: 1, period: "day", now: t0 });
    assert.ok(late.ok && dropped.ok);
    assert.equal((await counters.spend({ keyId: "k", period: "day", now: t0 + 1000 })).reservedUsd, 0, "pruned at its expiry");
    await counters.settle(late.reservation, 0.3);
    await counters.settle(late.reservation, 0.3);
    await counters.release(dropped.reservation);
    await counters.settle(dropped.reservation, 0.2); // released: nothing to settle any more
    assert.deepEqual(await counters.spend({ keyId: "k", period: "day", now: t0 + 2000 }), { keyId: "k", periodKey: "day:2025-06-15", spentUsd: 0.3, reservedUsd: 0 });
  } finally {
    await counters.close();
    await deleteRedisPrefix(url!, prefix);
  }
});

test("Redis unreachable: calls fail fast with budget_store_unavailable, and work again once it returns", redisSkip(), async () => {
  const { proxy, url: viaProxy } = await proxyServiceUrl(url!);
  const prefix = uniqueTestName("prefix");
  const counters = createRedisCounters({ url: viaProxy, prefix, commandTimeoutMs: 300 });
  const input = { keyId: "k", maxCostUsd: 0.1, budgetUsd: 1 };
  try {
    assert.ok((await counters.reserve(input)).ok);
    proxy.cut();
    const unavailable = (e: unknown) =>
      isFrugalError(e) && e.code === "budget_store_unavailable" && e.status === 503 && e.message.includes(`127.0.0.1:${proxy.port}`) && !e.message.includes("\n");
    await assert.rejects(counters.reserve(input), unavailable);
    await assert.rejects(counters.checkRate({ keyId: "k", rpm: 10, tokens: 0 }), unavailable);
    await assert.rejects(counters.reserve(input), unavailable, "still down: still a clean refusal, not a hang");
    proxy.restore();
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = await counters.reserve(input).then((r) => r.ok, () => false);
      if (!recovered) await sleep(100);
    }
    assert.ok(recovered, "the same instance recovers once Redis is reachable again");
    assert.equal((await counters.spend({ keyId: "k" })).reservedUsd, 0.2, "state lives in Redis: nothing was lost in the outage");
  } finally {
    await counters.close();
    await proxy.close();
    await deleteRedisPrefix(url!, prefix);
  }
});

test("Redis down when the counters start: refused at once, then served when it comes up, with no restart", redisSkip(), async () => {
  const { proxy, url: viaProxy } = await proxyServiceUrl(url!);
  proxy.cut();
  const prefix = uniqueTestName("prefix");
  const counters = createRedisCounters({ url: viaProxy, prefix, commandTimeoutMs: 300 });
  try {
    await assert.rejects(counters.spend({ keyId: "k" }), (e: unknown) => isFrugalError(e) && e.code === "budget_store_unavailable");
    proxy.restore();
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      ok = await counters.checkRate({ keyId: "k", rpm: 10, tokens: 0 }).then((r) => r.ok, () => false);
      if (!ok) await sleep(100);
    }
    assert.ok(ok);
  } finally {
    await counters.close();
    await proxy.close();
    await deleteRedisPrefix(url!, prefix);
  }
});

test("bad options are refused once, and error lines never carry the URL's credentials", () => {
  assert.throws(() => createRedisCounters({ url: "http://x" }), (e: unknown) => isFrugalError(e) && e.code === "config_invalid");
  assert.throws(() => createRedisCounters({ url: "redis://h:1", reservationTtlMs: 0 }), (e: unknown) => isFrugalError(e) && e.code === "config_invalid");
  assert.equal(redisEndpoint("redis://user:s3cret@cache.internal:6380/2"), "cache.internal:6380");
});
