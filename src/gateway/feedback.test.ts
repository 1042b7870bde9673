import { test } from "node:test";
import assert from "node:assert/strict";
import { openSqliteGovernance } from "../ledger/index.ts";
import { readLedgerRows } from "../improve/ledger-dataset.ts";
import { startLabeledGateway } from "../improve/testing.ts";

test("POST /v1/feedback: 200 and a feedback row for a known request, 404 for an unknown or another team's, 400 for a bad body", async () => {
  const gw = await startLabeledGateway();
  try {
    const row = gw.rows[0]!;
    const asked = await gw.ask(row.text);
    assert.equal(asked.status, 200);
    const requestId = asked.body.request_id as string;

    const ok = await gw.post("/v1/feedback", { request_id: requestId, answer: row.label, task: "intents" });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { request_id: requestId, task: "intents", accepted: true, usable_for_distillation: true });

    assert.equal((await gw.post("/v1/feedback", { request_id: "no-such-request-id", answer: row.label })).status, 404);
    const other = await gw.createKey({ team: "other-team" });
    assert.equal((await gw.post("/v1/feedback", { request_id: requestId, answer: row.label }, other)).status, 404, "another team's request is unknown to it");
    for (const bad of [{ answer: row.label }, { request_id: requestId }, { request_id: requestId, answer: "not_a_label" }, { request_id: requestId, answer: row.label, task: "receipts" }, { request_id: requestId, answer: 3 }]) {
      const refused = await gw.post("/v1/feedback", bad);
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.equal((refused.body.error as { type: string }).type, "invalid_request_error");
    }
    assert.equal((await gw.post("/v1/feedback", "{not json")).status, 400);
    assert.equal((await gw.post("/v1/feedback", { request_id: requestId, answer: row.label }, "fk-wrong")).status, 401);

    const stores = openSqliteGovernance({ dataDir: gw.dataDir });
    try {
      const rows = await readLedgerRows(stores.ledger, undefined, (r) => r.requestId === requestId);
      assert.deepEqual(rows.map((r) => r.kind), ["task", "feedback"]);
      const feedback = rows[1]!;
      assert.equal(feedback.target, "intents");
      assert.equal(feedback.team, "acme");
      assert.equal(JSON.parse(feedback.body ?? "{}").answer, row.label);
      const task = JSON.parse(rows[0]!.body ?? "{}") as { input: string; tier_kind: string };
      assert.equal(task.input, row.text, "the stored body holds the input text");
      assert.equal(task.tier_kind, "llm", "and says which kind of tier answered");
      assert.equal((await stores.ledger.verify()).ok, true);
    } finally {
      await stores.close();
    }
  } finally {
    await gw.close();
  }
});
