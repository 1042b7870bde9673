import { test, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { redisSkip, testRedisUrl, uniqueTestName } from "../testing/services.ts";
import { deleteRedisPrefix } from "../testing/redis-prefix.ts";
import { proxyServiceUrl } from "../testing/tcp-proxy.ts";
import { createExactCache } from "../gateway/exact-cache.ts";
import { runCacheStoreContract } from "./store-contract.ts";
import { createRedisCacheStore, type RedisCacheStoreOptions } from "./redis-store.ts";

const url = testRedisUrl();
const namespaces: string[] = [];
after(async () => {
  if (url !== undefined) for (const ns of namespaces) await deleteRedisPrefix(url, ns);
});

function store<V>(extra: Partial<RedisCacheStoreOptions<V>> = {}) {
  const namespace = uniqueTestName("prefix");
  namespaces.push(namespace);
  // A generous timeout: the test machine is shared; the outage test sets a short one.
  return createRedisCacheStore<V>({ url: url!, namespace, maxBytes: 1e9, ttlMs: 60_000, commandTimeoutMs: 5000, ...extra });
}

if (url !== undefined) {
  runCacheStoreContract("redis", async (options) => store<{ n: number }>(options));
} else {
  test("redis cache store contract", redisSkip(), () => {});
}

test("the same request under two teams' keys never hits across tenants", redisSkip(), async () => {
  // Two replicas, each with the gateway's exact cache over the shared Redis namespace.
  const first = store<{ payload: unknown; bytes: number }>({ sizeOf: (e) => e.bytes });
  const second = createRedisCacheStore<{ payload: unknown; bytes: number }>({ url: url!, namespace: namespaces.at(-1)!, maxBytes: 1e9, ttlMs: 60_000, sizeOf: (e) => e.bytes, commandTimeoutMs: 5000 });
  const [replicaA, replicaB] = [first, second].map((s) => createExactCache({ enabled: true, store: s, cacheSampled: false, shareAcrossTeams: false }));
  const request = { model: "gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "What is my balance?" }] };
  const entry = { payload: { answer: "team A's private answer" }, bytes: 30 };
  await replicaA!.set(replicaA!.key("team-a", "route:gpt-4o-mini", request), entry);
  assert.equal(await replicaB!.get(replicaB!.key("team-b", "route:gpt-4o-mini", request)), undefined, "team B must not read team A's entry");
  assert.deepEqual(await replicaB!.get(replicaB!.key("team-a", "route:gpt-4o-mini", { ...request, stream: true })), entry, "team A hits on any replica");
  const sharing = createExactCache({ enabled: true, store: second, cacheSampled: false, shareAcrossTeams: true });
  assert.equal(await sharing.get(sharing.key("team-a", "route:gpt-4o-mini", request)), undefined, "a shared key is another key");
  await Promise.all([replicaA!.close(), replicaB!.close()]);
});

test("replicas on one namespace share the entries and one LRU order", redisSkip(), async () => {
  const first = store<{ n: number }>({ maxEntries: 2 });
  const namespace = namespaces.at(-1)!;
  const second = createRedisCacheStore<{ n: number }>({ url: url!, namespace, maxBytes: 1e9, ttlMs: 60_000, maxEntries: 2, commandTimeoutMs: 5000 });
  await first.set("a", { n: 1 });
  await second.set("b", { n: 2 });
  assert.deepEqual(await second.get("a"), { n: 1 }, "written by one replica, read by another");
  await first.set("c", { n: 3 }); // a was read last (via the other replica): b is the least recently used
  assert.equal(await first.get("b"), undefined);
  assert.deepEqual(await first.get("a"), { n: 1 });
  assert.equal(first.stats().evictions, 1);
  await Promise.all([first.close(), second.close()]);
});

test("Redis unreachable: get misses, set is skipped, errors are reported and counted, nothing throws; then it recovers", redisSkip(), async () => {
  const { proxy, url: viaProxy } = await proxyServiceUrl(url!);
  const errors: string[] = [];
  const cache = store<{ n: number }>({ url: viaProxy, commandTimeoutMs: 300, onError: (e) => errors.push(String((e as Error).message)) });
  try {
    await cache.set("a", { n: 1 });
    assert.deepEqual(await cache.get("a"), { n: 1 });
    proxy.cut();
    assert.equal(await cache.get("a"), undefined, "a miss, never an error on the request path");
    await cache.set("b", { n: 2 });
    assert.equal(await cache.delete("a"), false);
    assert.equal(cache.stats().errors, 3);
    assert.equal(errors.length, 3);
    assert.ok(errors.every((m) => m.startsWith(`cache redis at 127.0.0.1:${proxy.port} is unavailable`)), errors[0]);
    proxy.restore();
    let value: { n: number } | undefined;
    for (let i = 0; i < 100 && value === undefined; i++) {
      value = await cache.get("a");
      if (value === undefined) await sleep(100);
    }
    assert.deepEqual(value, { n: 1 }, "the entry set before the outage is served again, by the same instance");
  } finally {
    await cache.close();
    await proxy.close();
  }
});

test("bad options are refused once", () => {
  assert.throws(() => createRedisCacheStore({ url: "redis://h:1", namespace: "x", maxBytes: 0, ttlMs: 1 }), /maxBytes/);
  assert.throws(() => createRedisCacheStore({ url: "memcached://h", namespace: "x", maxBytes: 1, ttlMs: 1 }), /url/);
});
