/**
 * Governance through the real gateway: budgets that hold when a hundred requests race for them, rate limits with
 * Retry-After, keys (missing, malformed, unknown, revoked from another process, allow-lists) and the admin routes.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { lastUserText } from "../../test/fixtures/fake-openai-server.ts";
import { keyIdOf } from "../ledger/index.ts";
import { eventually, frugalCli, ledgerRows, postJson, userMessage, type OpenAiErrorShape } from "./testing/behaviour.ts";
import { startTestGateway, SURE_TEXT, UNSURE_TEXT, type TestGateway } from "./testing/test-gateway.ts";

const MAX_TOKENS = 100;

describe("budgets under concurrency", () => {
  let gw: TestGateway;
  before(async () => {
    // Upstream a answers after 250 ms, so that many requests are in flight at once, and answers long, so that a route
    // request's real cost is close to the maximum reserved for it: the budget binds through real spend.
    gw = await startTestGateway({
      upstreamA: {
        answer: (req) => (lastUserText(req).includes(UNSURE_TEXT) ? "pin_blocked" : "lorem ipsum ".repeat(100)),
        handler: () => ({ type: "slow-first-byte", delayMs: 250 }),
      },
    });
  });
  after(() => gw.close());

  it("a hundred concurrent requests over a route and a task never overshoot by more than one request's maximum cost", async () => {
    const ctx = gw.gateway.context;
    const routeBody = (i: number) => ({ model: "gpt-4o", messages: userMessage(`hi #${i}`), max_tokens: MAX_TOKENS });
    const taskBody = (i: number) => ({ model: "intents", messages: userMessage(`${UNSURE_TEXT} #${i}`) });
    // One request's maximum cost, as the gateway prices it before calling (the largest over both kinds of request).
    const targets = ctx.relay.route("gpt-4o")?.targets ?? [];
    const routeMax = ctx.pricing.routeReservation(targets, Buffer.byteLength(JSON.stringify(routeBody(1000).messages)), MAX_TOKENS).maxCostUsd ?? NaN;
    const taskMax = ctx.pricing.taskReservation(ctx.tasks.get("intents")!, `${UNSURE_TEXT} #1000`).maxCostUsd ?? NaN;
    const maxCost = Math.max(routeMax, taskMax);
    assert.ok(maxCost > 0, `a priced maximum cost (${routeMax}, ${taskMax})`);
    const budget = 10 * maxCost;
    const key = await gw.createKey({ team: "budgeted", budgetUsd: budget, period: "day" });

    const statuses: number[] = [];
    const codes = new Set<string>();
    let ok = 0;
    // Three waves of 100 concurrent requests: the first races reservations and settles against each other, the later
    // ones race what is left of the budget.
    for (let wave = 0; wave < 3; wave++) {
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => postJson(gw.baseURL, "/chat/completions", i % 2 === 0 ? routeBody(wave * 100 + i) : taskBody(wave * 100 + i), { key })),
      );
      let okThisWave = 0;
      for (const r of responses) {
        statuses.push(r.status);
        const body = (await r.json()) as Partial<OpenAiErrorShape>;
        if (r.status === 200) okThisWave++;
        else codes.add(body.error?.code ?? "none");
      }
      ok += okThisWave;
      if (okThisWave === 0) break;
    }
    assert.deepEqual(statuses.filter((s) => s >= 500), [], "no 5xx");
    assert.deepEqual([...codes], ["budget_exceeded"], "every refusal is a budget refusal");
    assert.ok(statuses.some((s) => s === 429), "some requests were turned away");
    assert.ok(ok >= 5, `the budget let some requests through (${ok})`);

    const rows = (await ledgerRows(gw.dataDir)).filter((r) => r.team === "budgeted");
    const answered = rows.filter((r) => r.status === 200);
    assert.equal(answered.length, ok, "one ledger row per answered request");
    for (const row of answered) assert.ok(row.costUsd <= maxCost, `row ${row.requestId} cost ${row.costUsd} ≤ its reservation ${maxCost}`);
    const spent = rows.reduce((sum, r) => sum + r.costUsd, 0);
    assert.ok(spent <= budget + maxCost, `spent $${spent} ≤ budget $${budget} + one request's maximum $${maxCost}`);
    // The budget really bound: real spend used most of it, it was not the reservations alone that refused everything.
    assert.ok(spent >= budget / 2, `spent $${spent} is most of the budget $${budget}`);
    const snapshot = await ctx.counters.spend({ keyId: keyIdOf(key)!, period: "day" });
    // Counters keep whole nano-dollars: each settle rounds by at most half of one.
    assert.ok(Math.abs(snapshot.spentUsd - spent) <= answered.length * 1e-9, `counters ($${snapshot.spentUsd}) agree with the ledger ($${spent})`);
    assert.equal(snapshot.reservedUsd, 0, "no reservation left behind");
  });

  it("rpm 2: the third request in a minute is a 429 rate_limited with Retry-After", async () => {
    const key = await gw.createKey({ team: "rated", rpm: 2 });
    const send = () => postJson(gw.baseURL, "/chat/completions", { model: "intents", messages: userMessage(SURE_TEXT) }, { key });
    assert.equal((await send()).status, 200);
    assert.equal((await send()).status, 200);
    const third = await send();
    assert.equal(third.status, 429);
    const body = (await third.json()) as OpenAiErrorShape;
    assert.equal(body.error.code, "rate_limited");
    assert.equal(body.error.type, "rate_limit_error");
    const retryAfter = Number(third.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After in seconds: ${third.headers.get("retry-after")}`);
    // Another key is not limited by this one's rate.
    const other = await gw.createKey({ team: "rated" });
    assert.equal((await postJson(gw.baseURL, "/chat/completions", { model: "intents", messages: userMessage(SURE_TEXT) }, { key: other })).status, 200);
  });
});

describe("keys", () => {
  let gw: TestGateway;
  const ADMIN = "admin-secret-for-tests-0123456789";
  before(async () => {
    gw = await startTestGateway({ env: { FRUGAL_ADMIN_KEY: ADMIN } });
  });
  after(() => gw.close());
  const chat = (headers: Record<string, string>) =>
    fetch(`${gw.baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ model: "intents", messages: userMessage(SURE_TEXT) }) });

  it("missing, malformed and unknown keys get 401 in OpenAI's error shape", async () => {
    const unknown = `fk-0123456789ab-${"A".repeat(43)}`;
    const cases: Array<Record<string, string>> = [{}, { authorization: "Basic dXNlcjpwYXNz" }, { authorization: "Bearer" }, { authorization: "Bearer not-a-frugal-key" }, { authorization: `Bearer ${unknown}` }];
    for (const headers of cases) {
      const r = await chat(headers);
      assert.equal(r.status, 401, JSON.stringify(headers));
      const body = (await r.json()) as OpenAiErrorShape;
      assert.equal(body.error.type, "authentication_error");
      assert.equal(body.error.code, "unauthorized");
    }
    const key = await gw.createKey({ team: "acme" });
    assert.equal((await chat({ authorization: `Bearer ${key}` })).status, 200);
    // The right id with a wrong secret is not the key.
    assert.equal((await chat({ authorization: `Bearer ${key.slice(0, -4)}AAAA` })).status, 401);
  });

  it("a key revoked by `frugal keys revoke` in another process stops working while the server runs", async () => {
    const key = await gw.createKey({ team: "acme" });
    assert.equal((await chat({ authorization: `Bearer ${key}` })).status, 200);
    const revoked = await frugalCli(["keys", "revoke", keyIdOf(key)!, "--data-dir", gw.dataDir]);
    assert.equal(revoked.code, 0, revoked.stderr);
    await eventually("the revocation to reach the server", async () => ((await chat({ authorization: `Bearer ${key}` })).status === 401 ? true : undefined), 5000);
  });

  it("a key whose allow-list lacks the model gets 403; the models it names work", async () => {
    const key = await gw.createKey({ team: "acme", allow: ["intents"] });
    const calls = gw.a.requests.length;
    const denied = await postJson(gw.baseURL, "/chat/completions", { model: "gpt-4o", messages: userMessage("hi") }, { key });
    assert.equal(denied.status, 403);
    const body = (await denied.json()) as OpenAiErrorShape;
    assert.equal(body.error.type, "permission_error");
    assert.equal(body.error.code, "forbidden");
    assert.equal(gw.a.requests.length, calls, "nothing went upstream");
    assert.equal((await postJson(gw.baseURL, "/tasks/receipts", { input: "x" }, { key })).status, 403);
    assert.equal((await chat({ authorization: `Bearer ${key}` })).status, 200);
  });

  it("admin routes list, create and revoke keys, only for FRUGAL_ADMIN_KEY", async () => {
    const admin = (method: string, path: string, key: string | undefined, body?: unknown) =>
      fetch(`${gw.url}${path}`, {
        method,
        headers: { "content-type": "application/json", ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    const userKey = await gw.createKey({ team: "acme" });
    for (const key of [undefined, "wrong-admin-key", userKey]) {
      assert.equal((await admin("GET", "/admin/keys", key)).status, 401, `list with ${key}`);
      assert.equal((await admin("POST", "/admin/keys", key, { team: "ops" })).status, 401, `create with ${key}`);
      assert.equal((await admin("DELETE", `/admin/keys/${keyIdOf(userKey)}`, key)).status, 401, `revoke with ${key}`);
    }
    assert.equal((await chat({ authorization: `Bearer ${userKey}` })).status, 200, "the failed revocations did nothing");

    const created = await admin("POST", "/admin/keys", ADMIN, { team: "ops", rpm: 100, allow: ["intents"] });
    assert.equal(created.status, 201);
    const record = (await created.json()) as { id: string; key: string; team: string; rpm: number };
    assert.deepEqual([record.team, record.rpm, keyIdOf(record.key)], ["ops", 100, record.id]);
    assert.equal((await chat({ authorization: `Bearer ${record.key}` })).status, 200, "the new key works at once");

    const listed = await admin("GET", "/admin/keys", ADMIN);
    assert.equal(listed.status, 200);
    const text = await listed.text();
    assert.ok(!text.includes(record.key.slice(-43)), "the list holds no secret");
    assert.ok((JSON.parse(text) as { data: Array<{ id: string }> }).data.some((k) => k.id === record.id));

    assert.equal((await admin("DELETE", `/admin/keys/${record.id}`, ADMIN)).status, 200);
    assert.equal((await chat({ authorization: `Bearer ${record.key}` })).status, 401, "revoked through the admin route");
    assert.equal((await admin("DELETE", "/admin/keys/0123456789ab", ADMIN)).status, 404);
    assert.equal((await admin("POST", "/admin/keys", ADMIN, { team: "" })).status, 400);
  });
});
