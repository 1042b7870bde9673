/**
 * The improvement loop end to end on a test gateway: LLM-answered traffic with stored bodies and gold feedback → distill →
 * a candidate in shadow → promotion through the admin route while requests run (none fails; answers after it come from
 * the new version) → rollback → the ledger's event rows and `models list`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { openSqliteGovernance } from "../ledger/index.ts";
import { distillTask } from "../improve/distill-task.ts";
import { readLedgerRows } from "../improve/ledger-dataset.ts";
import { formatModelsView, modelsView } from "../improve/models-view.ts";
import { openRegistry } from "../improve/registry.ts";
import { ADMIN_KEY, startLabeledGateway } from "../improve/testing.ts";
import { testCompactLoader } from "./testing/test-gateway.ts";

const waitFor = async (what: string, check: () => boolean, ms = 8000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

test("distill → shadow → promote under load (no failed request) → rollback, every change ledgered", async () => {
  const gw = await startLabeledGateway();
  const stores = openSqliteGovernance({ dataDir: gw.dataDir });
  try {
    const registry = openRegistry(gw.dataDir);
    const config = gw.gateway.context.config;
    const distill = () => distillTask({ config, baseDir: gw.dataDir, task: "intents", ledger: stores.ledger, registry, compactLoader: testCompactLoader, where: "the test ledger", threads: 1, epsilon: 0.1 });
    await assert.rejects(distill(), /no ledger row of task intents holds a body/);

    // Production traffic: the table model knows none of these texts, so the LLM (a stand-in answering gold) answers them.
    const answered: Array<{ id: string; label: string }> = [];
    for (const row of gw.rows) {
      const r = await gw.ask(row.text);
      assert.equal(r.status, 200);
      assert.equal(r.body.tier_kind, "llm");
      assert.equal(r.body.model_version, "config");
      answered.push({ id: r.body.request_id as string, label: row.label });
    }
    for (const a of answered.slice(0, 30)) assert.equal((await gw.post("/v1/feedback", { request_id: a.id, answer: a.label })).status, 200);

    const { version, report, ledgerRows } = await distill();
    assert.equal(version.version, "v1");
    assert.equal(version.status, "candidate");
    assert.equal(ledgerRows.llmAnswered, gw.rows.length);
    assert.equal(report.sizes.input.gold, 30);
    assert.ok(report.sizes.heldOut.llm > 0, "LLM-labeled held-out rows");
    assert.ok(report.candidate.heldOut.llm.accuracy! > 0.7, `held-out agreement ${report.candidate.heldOut.llm.accuracy}`);
    assert.ok(report.current !== null, "compared with the served model");

    // The running gateway notices the registry change and scores the candidate in shadow.
    const models = gw.gateway.context.models;
    await waitFor("the candidate in shadow", () => models.shadow("intents")?.version === "v1");
    for (const row of gw.rows.slice(0, 20)) await gw.ask(`${row.text} #1`);
    await waitFor("shadow counts", () => (models.shadow("intents")?.requests ?? 0) >= 20);
    const shadow = models.shadow("intents")!;
    assert.equal(shadow.llmAnswered, 20);
    assert.ok(shadow.agreeLlm >= 14, `shadow agreement with the LLM ${shadow.agreeLlm}/20`);

    // Promotion through the admin route while ~200 requests run, 16 at a time: none fails, and the ones sent after the
    // promotion answered all come from v1.
    const versions: Array<{ after: boolean; version: unknown; status: number }> = [];
    let promoted = false;
    const texts = Array.from({ length: 200 }, (_, i) => `${gw.rows[i % gw.rows.length]!.text} #${i + 2}`);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const i = next++;
        const after = promoted;
        const r = await gw.ask(texts[i]!);
        versions.push({ after, version: r.body.model_version, status: r.status });
        if (i === 80) {
          const p = await gw.post("/admin/models/intents/promote", {}, ADMIN_KEY);
          assert.equal(p.status, 200, JSON.stringify(p.body));
          assert.deepEqual([p.body.promoted, p.body.previous, p.body.serving], ["v1", "config", "v1"]);
          promoted = true;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    assert.equal(versions.length, 200);
    assert.deepEqual(versions.filter((v) => v.status !== 200), [], "no failed request");
    assert.ok(versions.some((v) => !v.after && v.version === "config"));
    const after = versions.filter((v) => v.after);
    assert.ok(after.length > 50);
    assert.deepEqual([...new Set(after.map((v) => v.version))], ["v1"]);
    assert.equal(registry.read("intents").current, "v1");

    assert.equal((await gw.post("/admin/models/intents/promote", {}, "wrong")).status, 401);
    const rolled = await gw.post("/admin/models/intents/rollback", {}, ADMIN_KEY);
    assert.deepEqual([rolled.status, rolled.body.restored, rolled.body.retired], [200, "config", "v1"]);
    assert.equal((await gw.ask("a text nobody asked before")).body.model_version, "config");
    assert.equal((await gw.post("/admin/models/intents/rollback", {}, ADMIN_KEY)).status, 400, "nothing left to roll back");

    const events = await readLedgerRows(stores.ledger, undefined, (r) => r.kind === "event" && r.body?.includes('"event":"model_') === true);
    assert.deepEqual(events.map((e) => [JSON.parse(e.body!).event, e.model]), [["model_registered", "v1"], ["model_promoted", "v1"], ["model_rolled_back", "config"]]);
    assert.equal((await stores.ledger.verify()).ok, true);

    const listed = formatModelsView(modelsView(registry, "intents"));
    assert.match(listed, /task intents: serving config/);
    assert.match(listed, /^v1\s+retired\s+0\.\d+\s+0\.1\s/m);
    assert.match(listed, /^config\s+current/m);
  } finally {
    await stores.close();
    await gw.close();
  }
});
