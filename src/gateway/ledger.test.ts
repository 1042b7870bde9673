/**
 * The ledger as an auditor reads it: one row per request that got past authentication — answered, failed upstream, or
 * refused by policy — with who, what, where it ran, tokens, cost and energy with provenance, and PII counts but never
 * the values (the db files are searched byte by byte); opted-in bodies are stored redacted; the chain verifies with the
 * CLI; a client that hangs up mid-stream leaves a 499 row and a closed upstream connection.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { eventually, filesContaining, frugalCli, ledgerRows, newRequestId, postJson, readSse, rowOf, userMessage } from "./testing/behaviour.ts";
import { startTestGateway, SURE_TEXT, UNSURE_TEXT, type TestGateway } from "./testing/test-gateway.ts";

const EMAIL = "jane.doe.ledger@example.com";
const PROVENANCE = ["measured", "modeled", "not_measured"];

describe("ledger rows", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(() => gw.close());

  it("one row per request after authentication, with the fields of the record-keeping duty and no PII value", async () => {
    const key = await gw.createKey({ team: "audit" });
    const ids: Record<string, string> = {};
    const send = async (name: string, path: string, body: unknown, k = key) => {
      ids[name] = newRequestId(name);
      return postJson(gw.baseURL, path, body, { key: k, requestId: ids[name] });
    };

    const route = await send("route", "/chat/completions", { model: "gpt-4o", messages: userMessage("hello there"), max_tokens: 20 });
    assert.equal(route.status, 200);
    assert.equal(route.headers.get("x-frugal-request-id"), ids.route, "the client's request id is the ledger's");
    const routeUsage = ((await route.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    assert.equal((await send("escalated", "/chat/completions", { model: "intents", messages: userMessage(UNSURE_TEXT) })).status, 200);
    assert.equal((await send("compact", "/tasks/intents", { input: SURE_TEXT })).status, 200);
    gw.a.enqueue({ type: "error", status: 500 });
    assert.equal((await send("fallback", "/chat/completions", { model: "gpt-4o", messages: userMessage("fall back") })).status, 200);
    gw.a.enqueue({ type: "error", status: 500 });
    gw.b.enqueue({ type: "error", status: 500 });
    const failed = await send("upstreamError", "/chat/completions", { model: "gpt-4o", messages: userMessage("both fail") });
    assert.ok(failed.status >= 500, `both upstreams failed: ${failed.status}`);
    await failed.text();
    const pii = await send("pii", "/chat/completions", { model: "pii-route", messages: userMessage(`write to ${EMAIL} today`) });
    assert.equal(pii.status, 200);
    assert.match(await pii.text(), new RegExp(EMAIL.replaceAll(".", "\\.")), "the client gets its value back");
    // Refusals after authentication are requests too.
    const narrow = await gw.createKey({ team: "audit", allow: ["intents"] });
    assert.equal((await send("forbidden", "/chat/completions", { model: "gpt-4o", messages: userMessage("hi") }, narrow)).status, 403);
    assert.equal((await send("blocked", "/chat/completions", { model: "secret-route", messages: userMessage(`mail ${EMAIL}`) })).status, 400);
    const rated = await gw.createKey({ team: "audit", rpm: 1 });
    assert.equal((await send("rateOk", "/tasks/intents", { input: SURE_TEXT }, rated)).status, 200);
    assert.equal((await send("rateLimited", "/tasks/intents", { input: SURE_TEXT }, rated)).status, 429);
    const poor = await gw.createKey({ team: "audit", budgetUsd: 1e-9, period: "day" });
    assert.equal((await send("overBudget", "/chat/completions", { model: "gpt-4o", messages: userMessage("hi") }, poor)).status, 429);
    // So are refusals before the target is known: a body that cannot be read, a model or task that does not exist.
    assert.equal((await send("unknownModel", "/chat/completions", { model: "no-such-model", messages: userMessage("hi") })).status, 404);
    assert.equal((await send("badBody", "/chat/completions", { model: "gpt-4o", messages: [] })).status, 400);
    assert.equal((await send("unknownTask", "/tasks/no-such-task", { input: SURE_TEXT })).status, 404);
    // Before authentication there is no one to record.
    assert.equal((await send("unauthenticated", "/chat/completions", { model: "gpt-4o", messages: userMessage("hi") }, "fk-nope")).status, 401);

    const rows = await ledgerRows(gw.dataDir);
    const byName = (name: string) => {
      const matching = rows.filter((r) => r.requestId === ids[name]);
      assert.equal(matching.length, name === "unauthenticated" ? 0 : 1, `rows of ${name}`);
      return matching[0]!;
    };
    for (const name of Object.keys(ids)) byName(name);
    assert.equal(rows.length, Object.keys(ids).length - 1, "no other row");
    for (const row of rows) {
      assert.equal(row.team, "audit");
      assert.ok(row.keyId !== null && row.ts !== "" && row.latencyMs >= 0);
      assert.ok(PROVENANCE.includes(row.costProvenance) && PROVENANCE.includes(row.energyProvenance), row.requestId);
    }

    const r = byName("route");
    assert.deepEqual(
      [r.kind, r.target, r.tier, r.model, r.provider, r.region, r.onPrem, r.status, r.cacheHit, r.escalated, r.stream],
      ["route", "gpt-4o", "upstream", "gpt-4o", "a", "us-east", false, 200, false, false, false],
    );
    assert.deepEqual([r.inputTokens, r.outputTokens], [routeUsage.prompt_tokens, routeUsage.completion_tokens]);
    assert.ok(r.costUsd > 0 && r.latencyMs > 0);
    const e = byName("escalated");
    assert.deepEqual([e.kind, e.target, e.tier, e.model, e.escalated, e.onPrem, e.status], ["task", "intents", "llm", "gpt-4o-mini", true, false, 200]);
    assert.ok(e.inputTokens > 0 && e.outputTokens > 0 && e.costUsd > 0);
    const c = byName("compact");
    assert.deepEqual([c.tier, c.provider, c.region, c.onPrem, c.escalated, c.inputTokens], ["compact", "frugal-compact", "in-process", true, false, 0]);
    const f = byName("fallback");
    assert.deepEqual([f.provider, f.model, f.region, f.onPrem, f.status], ["b", "gpt-4o-mini", "eu-west-3", true, 200]);
    const u = byName("upstreamError");
    assert.equal(u.status, failed.status);
    assert.ok(u.errorCode !== null, "the failure is named");
    assert.deepEqual([byName("forbidden").status, byName("forbidden").errorCode], [403, "forbidden"]);
    assert.deepEqual([byName("blocked").status, byName("blocked").errorCode, byName("blocked").pii], [400, "pii_detected", { email: 1 }]);
    assert.deepEqual([byName("rateLimited").status, byName("rateLimited").errorCode], [429, "rate_limited"]);
    assert.deepEqual([byName("overBudget").status, byName("overBudget").errorCode, byName("overBudget").costUsd], [429, "budget_exceeded", 0]);
    const early = ["unknownModel", "badBody", "unknownTask"].map((name) => byName(name)).map((row) => [row.kind, row.target, row.status, row.errorCode, row.costUsd]);
    assert.deepEqual(early, [["route", "no-such-model", 404, "not_found", 0], ["route", "gpt-4o", 400, "input_invalid", 0], ["task", "no-such-task", 404, "not_found", 0]]);

    // store_bodies: the redacted request and answer are kept, the value is not.
    const p = byName("pii");
    assert.deepEqual(p.pii, { email: 1 });
    assert.ok(p.body !== null, "pii-route opts in to bodies");
    assert.ok(p.body.includes("[EMAIL_1]") && p.body.includes("write to [EMAIL_1] today"), `the redacted request is kept: ${p.body}`);
    assert.ok(p.body.includes("echo: write to [EMAIL_1] today"), "and the answer");
    assert.equal(r.body, null, "routes that do not opt in keep no body");
    assert.ok(readdirSync(gw.dataDir).some((f) => f.endsWith("-wal")), "the WAL is searched too");
    assert.deepEqual(await filesContaining(gw.dataDir, EMAIL), [], "no file of the data dir holds the e-mail address");
    assert.ok((await filesContaining(gw.dataDir, "[EMAIL_1]")).length > 0, "the search finds what is there");

    const verified = await frugalCli(["ledger", "verify", "--json", "--data-dir", gw.dataDir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.deepEqual((JSON.parse(verified.stdout) as { ok: boolean; rows: number }).ok, true);
  });

  it("a streamed answer on a route that opts in to bodies is kept too, redacted", async () => {
    const key = await gw.createKey({ team: "audit" });
    const id = newRequestId("stream-body");
    const res = await postJson(gw.baseURL, "/chat/completions", { model: "pii-route", stream: true, messages: userMessage(`stream to ${EMAIL} now`) }, { key, requestId: id });
    assert.equal(res.status, 200);
    const sse = await readSse(res);
    assert.ok(sse.done, "the stream ended with [DONE]");
    const row = await rowOf(gw.dataDir, id);
    assert.ok(row?.body !== null && row?.body !== undefined, "the streamed request has a body in the ledger");
    assert.ok(row.body.includes("stream to [EMAIL_1] now") && row.body.includes("echo: stream to [EMAIL_1] now"), row.body);
    assert.ok(!row.body.includes(EMAIL), "never the value");
    assert.equal(row.stream, true);
  });

  it("a task that opts in to bodies keeps the redacted input and answer", async () => {
    const local = await startTestGateway({
      config: {
        tasks: [
          { name: "intents", kind: "classify", labels: ["card_arrival", "pin_blocked", "exchange_rate"], tiers: ["cache", "compact", "llm"], pii: { policy: "redact" }, store_bodies: true },
        ],
      },
    });
    try {
      const key = await local.createKey({ team: "audit" });
      const id = newRequestId("task-body");
      const res = await postJson(local.baseURL, "/tasks/intents", { input: `my card, ask ${EMAIL}` }, { key, requestId: id });
      assert.equal(res.status, 200);
      const row = await rowOf(local.dataDir, id);
      assert.ok(row?.body !== null && row?.body !== undefined);
      assert.ok(row.body.includes("my card, ask [EMAIL_1]") && !row.body.includes(EMAIL), row.body);
      assert.deepEqual(row.pii, { email: 1 });
    } finally {
      await local.close();
    }
  });

  it("a client that hangs up mid-stream: the upstream call is aborted and the row says 499", async () => {
    const key = await gw.createKey({ team: "audit" });
    const id = newRequestId("hangup");
    const closedBefore = gw.a.closedEarly;
    gw.a.enqueue({ type: "answer", text: "word ".repeat(200), chunkSize: 5, chunkDelayMs: 20 });
    const abort = new AbortController();
    const res = await postJson(gw.baseURL, "/chat/completions", { model: "gpt-4o", stream: true, messages: userMessage("stream a long answer") }, { key, requestId: id, signal: abort.signal });
    assert.equal(res.status, 200, res.status === 200 ? "" : await res.text());
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value !== undefined && first.value.byteLength > 0, "the stream started");
    abort.abort();
    await reader.cancel().catch(() => undefined);
    await eventually("the upstream connection to close early", async () => (gw.a.closedEarly > closedBefore ? true : undefined));
    const row = await eventually("the 499 row", () => rowOf(gw.dataDir, id));
    assert.deepEqual([row.status, row.stream, row.provider], [499, true, "a"]);
  });
});

describe("ledger.writer_thread: false", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ config: { ledger: { writer_thread: false } } });
  });
  after(() => gw.close());

  it("commits the same rows on the event loop: one per request, chained, verified by the CLI", async () => {
    const key = await gw.createKey({ team: "loop" });
    const ids = Array.from({ length: 12 }, (_, i) => newRequestId(`loop${i}`));
    const answers = await Promise.all(ids.map((requestId, i) => (i % 2 === 0 ? postJson(gw.baseURL, "/tasks/intents", { input: SURE_TEXT }, { key, requestId }) : postJson(gw.baseURL, "/chat/completions", { model: "gpt-4o", messages: userMessage(`hello ${i}`) }, { key, requestId }))));
    for (const answer of answers) assert.equal(answer.status, 200, await answer.clone().text());
    const rows = await ledgerRows(gw.dataDir);
    assert.deepEqual(rows.map((r) => r.requestId).sort(), [...ids].sort());
    const verified = await frugalCli(["ledger", "verify", "--data-dir", gw.dataDir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /12 rows, chain intact/);
  });
});
