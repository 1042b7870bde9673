/**
 * The cluster reliability suite, short form (CI): 3 `frugal serve` replicas on one config — ledger and keys in PostgreSQL,
 * counters and cache in Redis, both reached through TCP proxies this test controls — plus a 4th replica identical but for
 * `counters.on_unavailable: open`, a local stand-in LLM upstream, keys created with `frugal keys create --config`.
 * Checked, on counts only (the machine is shared; nothing here asserts a duration):
 *   a. budget race: 100 concurrent requests over the replicas against a budget of ~10 → overshoot ≤ one request's max cost;
 *   c. cross-tenant cache probes: hits across teams = 0, within a team > 0;
 *   d. Redis blink: budgeted requests fail closed with 503 budget_store_unavailable (none hangs), succeed again after the
 *      restore without a restart; the `open` replica admits them and counts them;
 *   e. PostgreSQL blink: every request is still answered (rows spill locally), then every row reaches PostgreSQL once;
 *   b. kill -9 of a replica mid-load (last, as it leaves 2): every response received whole has its ledger row.
 * Each figure is printed with a label (`[cluster] ...`) for BENCHMARKS.md.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually } from "../../src/gateway/testing/behaviour.ts";
import { openPgStores } from "../../src/ledger/postgres/index.ts";
import { createRedisCounters } from "../../src/ledger/redis/index.ts";
import { startFakeUpstream, type FakeUpstream } from "../../src/relay/testing/fake-upstream.ts";
import { isolatedStores, startCluster, storeKeys, type Cluster, type IsolatedStores } from "../../src/testing/cluster.ts";
import { pgSkip, redisSkip, testPgUrl, testRedisUrl } from "../../src/testing/services.ts";
import { proxyServiceUrl, type TcpProxy } from "../../src/testing/tcp-proxy.ts";
import { ask, chatBody, maxCostUsd, MODEL, openLoad, sleep, tally, USD_PER_INPUT_TOKEN, USD_PER_OUTPUT_TOKEN, type Answer } from "./cluster-load.ts";

const REPLICAS = 3;
/** Modest: the suite shares 2 cores with the rest of `npm test` (and, here, with other engineers' work). */
const RATE = 20;
/**
 * Answers a loaded machine may give besides the one under test: a store call that timed out (Redis 500 ms, a PostgreSQL
 * connect 2 s) is refused on the safe side with a clean 503. Counted and printed, never a hang nor a broken connection.
 */
const STORE_REFUSALS = ["503 budget_store_unavailable", "503 ledger_unavailable"];
const unexpected = (counts: Record<string, number>, allowed: readonly string[]): string[] => Object.keys(counts).filter((k) => !allowed.includes(k));
const skip = pgSkip().skip || redisSkip().skip;
const report = (line: string): void => void process.stdout.write(`[cluster] ${line}\n`);

// The race: the same byte length for every request, so one maximum cost holds for all of them; a budget for ~10.
const SLOW_MODEL = "cluster-llm-slow";
const SLOW_MS = 500;
const RACE_BODIES = Array.from({ length: 100 }, (_, i) => chatBody(`budget race ${String(i).padStart(3, "0")}`));
const maxCost = maxCostUsd(RACE_BODIES[0]!);
const budget = 10 * maxCost;

function clusterConfig(upstreamV1: string, stores: IsolatedStores, via: { pgUrl: string; redisUrl: string }, onUnavailable: "closed" | "open"): Record<string, unknown> {
  return {
    server: { drain_ms: 2000 },
    upstreams: { standin: { base_url: upstreamV1 } },
    routes: [
      { name: "chat", targets: [{ upstream: "standin", model: MODEL }], retries: 0 },
      // Answers after SLOW_MS: requests are in flight on a replica whenever it is killed.
      { name: "chat-slow", targets: [{ upstream: "standin", model: SLOW_MODEL }], retries: 0 },
    ],
    prices: { overrides: [MODEL, SLOW_MODEL].map((model) => ({ model, input_usd_per_1m: USD_PER_INPUT_TOKEN * 1e6, output_usd_per_1m: USD_PER_OUTPUT_TOKEN * 1e6, source: "test", date: new Date().toISOString().slice(0, 7) })) },
    ...storeKeys(stores, via, onUnavailable),
  };
}

describe("a cluster of 3 replicas on PostgreSQL + Redis", { skip, timeout: 170_000 }, () => {
  let upstream: FakeUpstream;
  let stores: IsolatedStores;
  let redisProxy: TcpProxy;
  let pgProxy: TcpProxy;
  let cluster: Cluster;
  const keys: Record<string, { key: string; id: string }> = {};
  let raceKey: Promise<{ key: string; id: string }>;

  const createKey = async (team: string, budgetUsd: number): Promise<{ key: string; id: string }> => {
    const made = await cluster.cli(["keys", "create", "--team", team, "--budget-usd", String(budgetUsd), "--period", "month", "--json"]);
    assert.equal(made.code, 0, made.stderr);
    return JSON.parse(made.stdout) as { key: string; id: string };
  };
  const rowsOf = async (ids: readonly string[]): Promise<Map<string, number>> => {
    const { rows } = await stores.sql.query<{ request_id: string; n: string }>("SELECT request_id, count(*) AS n FROM ledger WHERE request_id = ANY($1) GROUP BY request_id", [ids]);
    return new Map(rows.map((r) => [r.request_id, Number(r.n)]));
  };
  /** The rows of `ids` once all are in PostgreSQL (spills replay every second), or as they are after 30 s. */
  const replayed = (ids: readonly string[]): Promise<Map<string, number>> =>
    eventually(
      "every row in PostgreSQL",
      async () => {
        const found = await rowsOf(ids);
        return found.size === ids.length ? found : undefined;
      },
      30_000,
    ).catch(() => rowsOf(ids));
  const verifyChain = async (): Promise<string> => {
    const verified = await cluster.cli(["ledger", "verify"]);
    assert.equal(verified.code, 0, `${verified.stdout}${verified.stderr}`);
    return verified.stdout.trim();
  };
  const closedReplicas = () => cluster.replicas.slice(0, REPLICAS);

  before(async () => {
    upstream = await startFakeUpstream({ byModel: { [SLOW_MODEL]: { mode: "slow-first-byte", delayMs: SLOW_MS } } });
    stores = isolatedStores(testPgUrl()!, testRedisUrl()!);
    const redis = await proxyServiceUrl(stores.redisUrl);
    const postgres = await proxyServiceUrl(stores.pgUrl);
    redisProxy = redis.proxy;
    pgProxy = postgres.proxy;
    const via = { pgUrl: postgres.url, redisUrl: redis.url };
    cluster = await startCluster({ config: clusterConfig(upstream.url, stores, via, "closed"), replicas: REPLICAS, also: [clusterConfig(upstream.url, stores, via, "open")] });
    // Two teams' keys straight into the shared PostgreSQL store (the race key, in a., goes through `frugal keys create`).
    const pgStores = await openPgStores({ url: stores.pgUrl, schema: stores.schema });
    try {
      for (const team of ["acme", "globex"]) {
        const made = await pgStores.keys.create({ team, budgetUsd: 1000, period: "month" });
        keys[team] = { key: made.key, id: made.id };
      }
    } finally {
      await pgStores.close();
    }
    const acme = keys.acme;
    const globex = keys.globex;
    raceKey = createKey("race", budget); // the CLI's start-up overlaps the warm-up
    // Warm every replica (its PostgreSQL and Redis connections, the keys' cache, the JIT) before anything is counted:
    // on a busy machine, the first burst on cold pools meets connect timeouts that say nothing about the cluster.
    for (let round = 0; ; round++) {
      const warm = await Promise.all(
        cluster.replicas.flatMap((r) => [
          ...Array.from({ length: 8 }, (_, i) => ask(r, acme!.key, chatBody(`warm-up ${i}`), `warm-${round}-${r.index}-${i}`)),
          ask(r, globex!.key, chatBody("warm-up"), `warm-${round}-${r.index}-globex`),
        ]),
      );
      if (warm.every((a) => a.status === 200)) break;
      assert.ok(round < 5, `the cluster does not warm up: ${JSON.stringify(tally(warm))}`);
      report(`warm-up round ${round}: ${JSON.stringify(tally(warm))}`);
    }
  });

  after(async () => {
    await cluster?.stop();
    await Promise.all([redisProxy?.close(), pgProxy?.close(), upstream?.close()]);
    await stores?.cleanup();
  });

  it("a. budget race: 100 concurrent requests over 3 replicas overshoot the budget by at most one request's max cost", async () => {
    const race = await raceKey;
    // Each replica reads the new key once (GET /v1/models authenticates), as a first request would.
    await Promise.all(closedReplicas().map((r) => fetch(`${r.url}/v1/models`, { headers: { authorization: `Bearer ${race.key}` } }).then((res) => res.arrayBuffer())));
    const answers = await Promise.all(RACE_BODIES.map((body, i) => ask(closedReplicas()[i % REPLICAS]!, race.key, body, `race-${String(i).padStart(5, "0")}`)));
    const counts = tally(answers);
    assert.deepEqual(unexpected(counts, ["200", "429 budget_exceeded", ...STORE_REFUSALS]), [], JSON.stringify(counts));
    assert.ok((counts["200"] ?? 0) > 0 && (counts["429 budget_exceeded"] ?? 0) > 0, `the budget admitted some and refused others: ${JSON.stringify(counts)}`);

    const counters = createRedisCounters({ url: stores.redisUrl, prefix: stores.prefix });
    try {
      // Settling may finish just after the answer: wait until no reservation is left (one whose answer timed out holds
      // its budget until it expires, which only lowers the spend; it is printed).
      const snapshot = () => counters.spend({ keyId: race.id, period: "month" });
      const spend = await eventually("reservations settled", async () => {
        const s = await snapshot();
        return s.reservedUsd === 0 ? s : undefined;
      }).catch(snapshot);
      const { rows } = await stores.sql.query<{ usd: number | null; n: string }>("SELECT sum(cost_usd) AS usd, count(*) AS n FROM ledger WHERE key_id = $1 AND status = 200", [race.id]);
      const ledgerSpend = Number(rows[0]?.usd ?? 0);
      const overCounters = spend.spentUsd - budget;
      const overLedger = ledgerSpend - budget;
      report(`budget race: 100 concurrent requests over ${REPLICAS} replicas, budget $${budget.toExponential(3)} (10 × max cost $${maxCost.toExponential(3)}): admitted ${counts["200"]}, refused ${counts["429 budget_exceeded"]}; spend (counters) $${spend.spentUsd.toExponential(3)}, spend (ledger, ${rows[0]?.n} rows) $${ledgerSpend.toExponential(3)}; still reserved $${spend.reservedUsd.toExponential(3)}; overshoot (spend − budget) counters ${overCounters.toExponential(3)}, ledger ${overLedger.toExponential(3)} = ${(overCounters / maxCost).toFixed(3)} × max cost`);
      assert.ok(overCounters <= maxCost, `counters overshoot ${overCounters} > one request's max cost ${maxCost}`);
      assert.ok(overLedger <= maxCost, `ledger overshoot ${overLedger} > one request's max cost ${maxCost}`);
      assert.equal(Number(rows[0]?.n), counts["200"], "one ledger row per admitted request");
    } finally {
      await counters.close();
    }
  });

  it("c. cross-tenant cache probes: the same cacheable requests from two teams on different replicas never hit across teams", async () => {
    const [r0, r1, r2] = closedReplicas();
    let within = 0;
    let across = 0;
    for (let i = 0; i < 10; i++) {
      const body = chatBody(`cacheable probe ${i}`, { temperature: 0 });
      const first = await ask(r0!, keys.acme!.key, body, `probe-acme-${i}-a`);
      const again = await ask(r1!, keys.acme!.key, body, `probe-acme-${i}-b`);
      const other = await ask(r2!, keys.globex!.key, body, `probe-globex-${i}-a`);
      const otherAgain = await ask(r0!, keys.globex!.key, body, `probe-globex-${i}-b`);
      for (const a of [first, again, other, otherAgain]) assert.equal(a.status, 200, JSON.stringify(a));
      assert.equal(first.cacheHit, false, `probe ${i}: acme's first request is a miss`);
      if (other.cacheHit) across++;
      within += Number(again.cacheHit) + Number(otherAgain.cacheHit);
    }
    report(`cross-tenant cache probes: 10 cacheable requests × 2 teams × 2 replicas each: hits within a team ${within}/20, hits across teams ${across}/10`);
    assert.equal(across, 0, "a team was answered from another team's cache entry");
    assert.ok(within > 0, "the shared Redis cache never hit within a team");
  });

  it("d. Redis blink: budgets fail closed (503, no hang), recover without a restart; on_unavailable: open admits and counts", async () => {
    const open = cluster.replicas[REPLICAS]!;
    const pids = closedReplicas().map((r) => r.pid);
    const loading = openLoad({ rate: RATE, seconds: 6, replicas: closedReplicas(), key: keys.acme!.key, tag: "redis-blink" });
    await sleep(1500);
    redisProxy.cut();
    const cutAt = performance.now();
    // While Redis is away: requests to the `open` replica, one after the other; the cut lasts at least 2 s.
    const openAnswers: Answer[] = [];
    for (let i = 0; i < 10; i++) openAnswers.push(await ask(open, keys.acme!.key, chatBody(`open while redis is away ${i}`), `redis-open-${i}`));
    await sleep(2000 - (performance.now() - cutAt));
    redisProxy.restore();
    const cutMs = performance.now() - cutAt;
    const answers = await loading;
    const counts = tally(answers);
    const refused = answers.filter((a) => a.code === "budget_store_unavailable");
    const slowestRefusal = Math.max(0, ...refused.map((a) => a.ms));
    // Recovery without a restart: each replica (same pid) answers a budgeted request again.
    for (const replica of closedReplicas()) {
      await eventually(`replica ${replica.index} answering after the restore`, async () => ((await ask(replica, keys.acme!.key, chatBody("after the blink"), `redis-after-${replica.index}-${Date.now()}`)).status === 200 ? true : undefined), 15_000);
    }
    const metrics = await (await fetch(`${open.url}/metrics`)).text();
    const openCounted = Number(/frugal_budget_store_unavailable_total\{mode="open"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    const openRows = await rowsOf(openAnswers.map((a) => a.requestId));
    report(`Redis blink (TCP proxy cut for ${(cutMs / 1000).toFixed(1)} s during ${answers.length} requests at ${RATE}/s over ${REPLICAS} replicas, fail closed): ${JSON.stringify(counts)}; slowest 503 ${Math.round(slowestRefusal)} ms; every replica answered again after the restore, same pids`);
    report(`Redis blink, on_unavailable: open: ${openAnswers.filter((a) => a.status === 200).length}/10 admitted while Redis was away, frugal_budget_store_unavailable_total{mode="open"} ${openCounted}, ledger rows ${openRows.size}/10`);
    assert.ok(!answers.some((a) => a.hung) && !openAnswers.some((a) => a.hung), "a request hung");
    assert.deepEqual(unexpected(counts, ["200", ...STORE_REFUSALS]), [], JSON.stringify(counts));
    assert.ok(refused.length > 0, "no request met the cut");
    assert.ok((counts["200"] ?? 0) > 0);
    assert.deepEqual(closedReplicas().map((r) => [r.pid, r.alive()]), pids.map((pid) => [pid, true]));
    const admitted = openAnswers.filter((a) => a.status === 200).length;
    assert.deepEqual(unexpected(tally(openAnswers), ["200", "503 ledger_unavailable"]), [], "the open replica never refuses for the budget store");
    assert.ok(admitted > 0, "the open replica admitted nothing while Redis was away");
    assert.ok(openCounted >= admitted, `open admissions counted: ${openCounted} of ${admitted}`);
    assert.equal(openRows.size, admitted);
  });

  it("e. PostgreSQL blink: every request still answered, rows spilled then replayed: none missing, none twice, chain intact", async () => {
    const loading = openLoad({ rate: RATE, seconds: 6, replicas: closedReplicas(), key: keys.acme!.key, tag: "pg-blink" });
    await sleep(1500);
    pgProxy.cut();
    await sleep(2000);
    pgProxy.restore();
    const answers = await loading;
    const counts = tally(answers);
    const spilled = await Promise.all(
      closedReplicas().map(async (r) => Number(/frugal_store_errors_total\{store="ledger"\} (\d+)/.exec(await (await fetch(`${r.url}/metrics`)).text())?.[1] ?? 0)),
    );
    const ids = answers.map((a) => a.requestId);
    const stored = await replayed(ids);
    const missing = ids.filter((id) => !stored.has(id)).length;
    const twice = [...stored.values()].filter((n) => n > 1).length;
    const chain = await verifyChain();
    report(`PostgreSQL blink (TCP proxy cut ~2 s during ${answers.length} requests at ${RATE}/s): answers ${JSON.stringify(counts)}; ledger store errors (spill episodes) per replica ${JSON.stringify(spilled)}; rows missing ${missing}, duplicated ${twice}; ledger verify: ${chain}`);
    // The property under test: PostgreSQL away never costs an answer (no ledger_unavailable: the spill took the rows).
    assert.deepEqual(unexpected(counts, ["200", "503 budget_store_unavailable"]), [], JSON.stringify(counts));
    assert.ok(spilled.some((n) => n > 0), "the cut never reached the ledger");
    assert.equal(missing, 0);
    assert.equal(twice, 0);
  });

  it("b. kill -9 of a replica mid-load: every response received whole has its ledger row, the chain verifies", async () => {
    const victim = closedReplicas()[REPLICAS - 1]!;
    const rate = RATE * 1.5;
    // Slow answers: at this rate about rate / 3 × SLOW_MS / 1000 = 5 requests are in flight on the victim when it dies.
    const loading = openLoad({ rate, seconds: 8, replicas: closedReplicas(), key: keys.acme!.key, tag: "kill9", body: (i) => chatBody(`kill9 request ${i}`, { model: "chat-slow" }) });
    await sleep(4000);
    const exit = await victim.kill("SIGKILL");
    const answers = await loading;
    const received = answers.filter((a) => a.complete && a.echoedId === a.requestId);
    assert.deepEqual(answers.filter((a) => a.complete && a.echoedId !== a.requestId), [], "a complete answer without its request id");
    const ids = received.map((a) => a.requestId);
    const atOnce = await rowsOf(ids);
    // A row is durable before its answer's last byte: in PostgreSQL, or (when PostgreSQL was slow to answer) in the
    // replica's spill file, replayed by that replica — the killed one replays its file when it starts again.
    const restarted = atOnce.size < ids.length;
    if (restarted) await cluster.restart(victim.index);
    const stored = await replayed(ids);
    const missing = received.filter((a) => !stored.has(a.requestId)).length;
    const twice = [...stored.values()].filter((n) => n > 1).length;
    const chain = await verifyChain();
    report(`kill -9 mid-load (${answers.length} requests at ${rate}/s over ${REPLICAS} replicas, replica ${victim.index} killed at 4 s, exit ${exit.signal}): received whole ${received.length} (${received.filter((a) => a.replica === victim.index).length} from the killed replica), not received ${answers.length - received.length} ${JSON.stringify(tally(answers.filter((a) => !a.complete)))}; rows in PostgreSQL at once ${atOnce.size}${restarted ? `, after the killed replica restarted (its spill replayed) ${stored.size}` : ""}; missing ${missing}, duplicated ${twice}; ledger verify: ${chain}`);
    assert.equal(exit.signal, "SIGKILL");
    assert.ok(received.some((a) => a.replica === victim.index), "the victim answered nothing before it died");
    assert.ok(answers.some((a) => a.replica === victim.index && !a.complete), "nothing was in flight on the victim when it died");
    assert.equal(missing, 0);
    assert.equal(twice, 0);
  });
});
