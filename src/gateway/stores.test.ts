/**
 * The gateway on shared stores, real services only (FRUGAL_TEST_PG_URL, FRUGAL_TEST_REDIS_URL; each test on a schema and
 * a key prefix of its own): the ledger and keys in PostgreSQL, budgets and the exact cache in Redis, two replicas on one
 * config sharing a budget and a cache (never across teams), the CLI on the same stores through `--config`, and what a
 * request gets when the counters cannot be reached (closed: 503; open: served, counted).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { keyIdOf, type LedgerRow } from "../ledger/index.ts";
import { pgTestSchema, type PgTestSchema } from "../ledger/postgres/pg-test-schema.ts";
import { deleteRedisPrefix } from "../testing/redis-prefix.ts";
import { closedPort } from "../testing/ports.ts";
import { startTcpProxy } from "../testing/tcp-proxy.ts";
import { pgSkip, redisSkip, testPgUrl, testRedisUrl, uniqueTestName } from "../testing/services.ts";
import type { GatewayConfigInput } from "./config.ts";
import { eventually, frugalCli, newRequestId, postJson, rowOf, userMessage, type OpenAiErrorShape } from "./testing/behaviour.ts";
import { startTestGateway, SURE_TEXT, type TestGateway } from "./testing/test-gateway.ts";

const services = { skip: pgSkip().skip || redisSkip().skip };
const PG_ENV = "FRUGAL_STORES_TEST_PG_URL";

async function exportedRows(configFile: string, env: Record<string, string>): Promise<LedgerRow[]> {
  const out = await frugalCli(["ledger", "export", "--config", configFile, "--format", "jsonl"], env);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as LedgerRow);
}

describe("PostgreSQL ledger and keys, Redis counters and cache, two replicas", { skip: services.skip }, () => {
  let schema: PgTestSchema;
  let prefix: string;
  let stores: Partial<GatewayConfigInput>;
  let env: Record<string, string>;
  let dir: string;
  let configFile: string;
  let one: TestGateway;
  let two: TestGateway;

  before(async () => {
    schema = pgTestSchema(testPgUrl()!);
    prefix = uniqueTestName("prefix");
    env = { [PG_ENV]: testPgUrl()! };
    // The ledger url is read from the environment, as a Kubernetes Secret would provide it.
    stores = {
      ledger: { url: `\${${PG_ENV}}`, schema: schema.schema },
      keys: { cache_ttl_ms: 300 },
      counters: { url: testRedisUrl()!, prefix: `${prefix}c:` },
      cache: { url: testRedisUrl()!, prefix: `${prefix}cache:` },
    };
    dir = mkdtempSync(join(tmpdir(), "frugal-stores-"));
    configFile = join(dir, "frugal.yaml");
    writeFileSync(configFile, stringify(stores));
    // Long answers: a route request's real cost comes close to the maximum reserved for it.
    const upstreamA = { answer: "lorem ipsum ".repeat(100) };
    one = await startTestGateway({ config: stores, env, upstreamA });
    two = await startTestGateway({ config: stores, env, upstreamA });
  });

  after(async () => {
    await one?.close();
    await two?.close();
    await schema?.drop();
    if (prefix !== undefined) await deleteRedisPrefix(testRedisUrl()!, prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a key made by `frugal keys create --config` works on both replicas; its row is in PostgreSQL; `ledger verify --config` passes; a revocation is seen within the TTL", async () => {
    const created = await frugalCli(["keys", "create", "--team", "acme", "--config", configFile, "--data-dir", dir, "--json"], env);
    assert.equal(created.code, 0, created.stderr);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const requestId = newRequestId("pg");
    const answered = await postJson(one.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key, requestId });
    assert.equal(answered.status, 200, await answered.clone().text());
    assert.equal((await postJson(two.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key })).status, 200, "the other replica knows the key");

    const row = (await exportedRows(configFile, env)).find((r) => r.requestId === requestId);
    assert.equal(row?.team, "acme", "the task request's row is in PostgreSQL");
    assert.equal(row?.status, 200);
    const verified = await frugalCli(["ledger", "verify", "--config", configFile, "--json"], env);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal((JSON.parse(verified.stdout) as { ok: boolean }).ok, true);

    const revoked = await frugalCli(["keys", "revoke", keyIdOf(key)!, "--config", configFile], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    // Both replicas refuse it once their cached record is older than keys.cache_ttl_ms (300 ms); the wait is generous.
    for (const gw of [one, two]) {
      await eventually("the revocation to reach the replica", async () => ((await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key })).status === 401 ? true : undefined), 5000);
    }
  });

  it("two replicas share one budget: spend never passes the budget by more than one request's maximum cost", async () => {
    const ctx = one.gateway.context;
    const maxTokens = 50;
    const body = (i: number) => ({ model: "gpt-4o", messages: userMessage(`budget #${i}`), max_tokens: maxTokens });
    const maxCost = ctx.pricing.routeReservation(ctx.relay.route("gpt-4o")?.targets ?? [], Buffer.byteLength(JSON.stringify(body(1000).messages)), maxTokens).maxCostUsd ?? NaN;
    assert.ok(maxCost > 0, `a priced maximum cost (${maxCost})`);
    // Four maximum costs: alone, each replica would let about four through; shared, the two together do.
    const budget = 4 * maxCost;
    const key = await one.createKey({ team: "shared-budget", budgetUsd: budget, period: "day" });
    // Waves of six concurrent requests, three per replica, until the budget turns a whole wave away: real spend (long
    // answers, close to the maximum) is what binds, not only the reservations of one wave.
    const statuses: number[] = [];
    for (let wave = 0; wave < 8 && (wave === 0 || statuses.slice(-6).some((s) => s === 200)); wave++) {
      const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => postJson((i % 2 === 0 ? one : two).url, "/v1/chat/completions", body(wave * 6 + i), { key })));
      for (const r of responses) {
        statuses.push(r.status);
        if (r.status !== 200) assert.equal(((await r.json()) as OpenAiErrorShape).error.code, "budget_exceeded", `status ${r.status}`);
      }
    }
    assert.deepEqual(statuses.filter((s) => s !== 200 && s !== 429), [], "answered or refused for budget, nothing else");
    assert.ok(statuses.includes(429), "the budget bound");
    const rows = (await exportedRows(configFile, env)).filter((r) => r.team === "shared-budget" && r.status === 200);
    const spent = rows.reduce((sum, r) => sum + r.costUsd, 0);
    assert.equal(rows.length, statuses.filter((s) => s === 200).length, "one row per answered request, whichever replica");
    assert.ok(spent <= budget + maxCost, `spent $${spent} ≤ budget $${budget} + one maximum $${maxCost} (answered ${rows.length} of ${statuses.length})`);
    assert.ok(spent >= budget / 2, `real spend ($${spent}) is what bound the budget ($${budget})`);
    const snapshot = await two.gateway.context.counters.spend({ keyId: keyIdOf(key)!, period: "day" });
    assert.ok(Math.abs(snapshot.spentUsd - spent) <= rows.length * 1e-9, `the shared counters ($${snapshot.spentUsd}) hold both replicas' spend ($${spent})`);
  });

  it("the Redis cache is shared by the replicas and never across teams", async () => {
    const alpha = await one.createKey({ team: "alpha" });
    const beta = await one.createKey({ team: "beta" });
    const body = { model: "gpt-4o", temperature: 0, messages: userMessage(`cache probe ${prefix}`) };
    const calls = () => one.a.requests.length + two.a.requests.length;
    const first = await postJson(one.url, "/v1/chat/completions", body, { key: alpha });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-frugal-cache"), null, "the first request is a miss");
    const before = calls();
    const otherTeam = await postJson(two.url, "/v1/chat/completions", body, { key: beta });
    assert.equal(otherTeam.status, 200);
    assert.equal(otherTeam.headers.get("x-frugal-cache"), null, "another team on another replica: no hit");
    assert.equal(calls(), before + 1, "it went upstream");
    const sameTeam = await postJson(two.url, "/v1/chat/completions", body, { key: alpha });
    assert.equal(sameTeam.headers.get("x-frugal-cache"), "hit", "the same team on the other replica hits the shared cache");
    assert.equal(await sameTeam.text(), await first.text());
  });
});

describe("counters unreachable", { skip: redisSkip().skip }, () => {
  let port: number;
  before(async () => {
    port = await closedPort();
  });

  it("closed (default): a budgeted key gets 503 budget_store_unavailable with Retry-After, ledgered and counted; /readyz 503, /healthz 200", async () => {
    const gw = await startTestGateway({ config: { counters: { url: `redis://127.0.0.1:${port}/0` } } });
    try {
      const key = await gw.createKey({ team: "closed", budgetUsd: 10, period: "day" });
      const requestId = newRequestId("closed");
      const refused = await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key, requestId });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get("retry-after"), "1");
      const body = (await refused.json()) as OpenAiErrorShape;
      assert.deepEqual([body.error.code, body.error.type], ["budget_store_unavailable", "server_error"]);
      assert.equal((await gw.gateway.context.stores.health()).counters, "down");
      const ready = await fetch(`${gw.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { down: string[] }).down, ["counters"]);
      assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /frugal_budget_store_unavailable_total\{mode="closed"\} 1\b/);
      assert.match(metrics, /frugal_store_errors_total\{store="counters"\} [1-9]/);
      assert.equal((await rowOf(gw.dataDir, requestId))?.errorCode, "budget_store_unavailable", "the refusal is ledgered (SQLite ledger is up)");
    } finally {
      await gw.close();
    }
  });

  it("open: the same request is served without a reservation, and counted; a cache store that is down is a miss", async () => {
    const down = `redis://127.0.0.1:${port}/0`;
    const gw = await startTestGateway({ config: { counters: { url: down, on_unavailable: "open" }, cache: { url: down } } });
    try {
      const key = await gw.createKey({ team: "open", budgetUsd: 10, period: "day" });
      const served = await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key });
      assert.equal(served.status, 200, await served.clone().text());
      const ready = await fetch(`${gw.url}/readyz`);
      assert.equal(ready.status, 200, "open: the gateway can serve without the counters");
      assert.deepEqual(((await ready.json()) as { stores: { counters: string; cache: string } }).stores, { ledger: "ok", keys: "ok", counters: "down", cache: "down" });
      const cached = { model: "gpt-4o", temperature: 0, messages: userMessage("cache down") };
      for (let i = 0; i < 2; i++) {
        const r = await postJson(gw.url, "/v1/chat/completions", cached, { key });
        assert.equal(r.status, 200, "the cache's errors are misses, the request is served");
        assert.equal(r.headers.get("x-frugal-cache"), null);
      }
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /frugal_budget_store_unavailable_total\{mode="open"\} 3\b/);
      assert.match(metrics, /frugal_store_errors_total\{store="cache"\} [1-9]/);
    } finally {
      await gw.close();
    }
  });
});

describe("PostgreSQL unreachable", { skip: pgSkip().skip }, () => {
  it("rows spill while it is down; a full spill turns requests away with 503 ledger_unavailable and /readyz 503; all replay when it returns", async () => {
    const schema = pgTestSchema(testPgUrl()!);
    const target = new URL(testPgUrl()!);
    const proxy = await startTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5432) });
    const viaProxy = new URL(testPgUrl()!);
    viaProxy.port = String(proxy.port);
    // Room for a couple of rows only, so the test reaches "full" in a few requests.
    const gw = await startTestGateway({ config: { ledger: { url: viaProxy.toString(), schema: schema.schema, spill_max_bytes: 2048 } } });
    try {
      const key = await gw.createKey({ team: "spill" });
      assert.equal((await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key })).status, 200, "a first request while PostgreSQL is up (the key is now known)");
      proxy.cut();
      const statuses: number[] = [];
      for (let i = 0; i < 12 && !statuses.includes(503); i++) {
        const r = await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key });
        statuses.push(r.status);
        if (r.status === 503) assert.equal(((await r.json()) as OpenAiErrorShape).error.code, "ledger_unavailable");
      }
      const spilled = statuses.filter((s) => s === 200).length;
      assert.ok(spilled >= 1, `some requests were answered and spilled (${statuses.join(",")})`);
      assert.equal(statuses.at(-1), 503, `the full spill refused a request (${statuses.join(",")})`);
      const ready = await fetch(`${gw.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { down: string[] }).down, ["ledger"]);
      assert.match(await (await fetch(`${gw.url}/metrics`)).text(), new RegExp(`frugal_ledger_spill_rows ${spilled}\\b`));
      assert.equal((await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key })).status, 503, "still refused, before anything is spent");

      proxy.restore();
      await eventually("the spill to replay and /readyz to turn 200", async () => ((await fetch(`${gw.url}/readyz`)).status === 200 ? true : undefined), 15_000);
      const rows = await schema.raw.query<{ n: string }>("SELECT count(*) AS n FROM ledger WHERE team = 'spill' AND status = 200");
      assert.equal(Number(rows.rows[0]?.n), 1 + spilled, "every answered request has its row in PostgreSQL, none twice");
      assert.equal((await postJson(gw.url, "/v1/tasks/intents", { input: SURE_TEXT }, { key })).status, 200, "served again");
    } finally {
      await gw.close();
      await proxy.close();
      await schema.drop();
    }
  });
});
