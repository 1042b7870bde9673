import { test } from "node:test";
import assert from "node:assert/strict";
import type { Counters, LedgerEntry, LedgerStore } from "../../ledger/index.ts";
import { lastUserText } from "../../../test/fixtures/fake-openai-server.ts";
import { ledgerRows } from "../testing/behaviour.ts";
import { RECEIPT_TEXT, SURE_TEXT, startTestGateway, TEST_LABELS } from "../testing/test-gateway.ts";
import type { Pricing } from "../pricing.ts";
import type { ServedTask } from "../task-service.ts";
import { runAuditCall } from "./audit-call.ts";
import type { AnsweredRequest, AuditLlm } from "./types.ts";

const PIN_TEXT = "my pin is blocked";


test("audits: kept answers are checked by the LLM tier after the response, ledgered with agreement, dropped when busy", async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const gw = await startTestGateway({
    upstreamA: {
      // The LLM agrees on the card text and not on the pin text; the first call waits for the gate.
      answer: (req) => (lastUserText(req).includes(SURE_TEXT) ? "card_arrival" : "exchange_rate"),
      handler: async (_req, index) => {
        if (index === 0) await gate;
        return undefined;
      },
    },
    config: {
      tasks: [{ name: "intents", kind: "classify", labels: TEST_LABELS, tiers: ["cache", "compact", "llm"], audit: { rate: 1, epsilon: 0.05, max_in_flight: 1 } }],
    },
  });
  t.after(() => gw.close());
  const ask = async (key: string, input: string) => {
    const response = await fetch(`${gw.url}/v1/tasks/intents`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ input }) });
    assert.equal(response.status, 200);
    return (await response.json()) as { request_id: string; tier: string };
  };
  const acme = await gw.createKey({ team: "acme" });
  // The first audit waits at the upstream: the answer came back without it, and the next kept answer finds no slot.
  const first = await ask(acme, SURE_TEXT);
  assert.equal(first.tier, "compact");
  const second = await ask(acme, PIN_TEXT);
  assert.equal(second.tier, "compact");
  release();
  await gw.gateway.context.audits.idle();
  // Another team misses the cache: the pin text is audited now, and the LLM disagrees.
  const third = await ask(await gw.createKey({ team: "beta" }), PIN_TEXT);
  await gw.gateway.context.audits.idle();

  const rows = (await ledgerRows(gw.dataDir)).filter((r) => r.kind === "audit");
  assert.deepEqual(
    rows.map((r) => [r.requestId, r.errorCode, r.tier, r.status]),
    [
      [first.request_id, null, "llm", 200],
      [third.request_id, "audit_disagree", "llm", 200],
    ],
  );
  assert.ok(rows.every((r) => r.costUsd > 0 && r.team !== null && r.model === "gpt-4o-mini"));
  const status = gw.gateway.context.audits.status(gw.gateway.context.tasks);
  const intents = status.tasks.find((s) => s.task === "intents");
  assert.deepEqual(intents?.outcomes, { agree: 1, disagree: 1, error: 0, dropped: 1, over_budget: 0, unavailable: 0 });
  assert.equal(intents?.streams[0]?.audits, 2);
  assert.equal(intents?.streams[0]?.guard, "clear");
  assert.equal(intents?.audit?.epsilon_from, "config");
});

test("an audit the key's budget cannot cover is skipped: no LLM call, no ledger row", async () => {
  const appended: LedgerEntry[] = [];
  let asked = 0;
  const counters = {
    reserve: async () => ({ ok: false, spentUsd: 1, reservedUsd: 0, budgetUsd: 1, periodKey: "month:2026-12" }),
    settle: async () => undefined,
  } as unknown as Counters;
  const ledger = { append: async (e: LedgerEntry) => void appended.push(e) } as unknown as LedgerStore;
  const pricing = { taskReservation: () => ({ maxCostUsd: 0.01, estimatedTokens: 100 }) } as unknown as Pricing;
  const llm: AuditLlm = { name: "llm", model: "m", provider: "p", region: "r", onPrem: false, ask: async () => ((asked++, undefined) as never) };
  const request = {
    requestId: "r1",
    caller: { keyId: "k1", team: "acme", record: { budgetUsd: 1 } },
    text: "where is my card",
    localOnly: false,
    pii: {},
  } as unknown as AnsweredRequest;
  const task = { name: "intents", config: { store_bodies: false } } as unknown as ServedTask;
  const result = await runAuditCall(
    { counters, ledger, pricing, onLedgerError: (e) => assert.fail(String(e)) },
    { task, llm, request, compact: { kind: "classify", label: "card_arrival" }, streams: [""], signal: new AbortController().signal },
  );
  assert.deepEqual(result, { outcome: "over_budget" });
  assert.equal(asked, 0);
  assert.equal(appended.length, 0);
});

test("extract: each kept field is audited on its own stream; a field the compact tier escalated is not", async (t) => {
  // The stand-in LLM reads the receipt right, answering the fields it is asked for (the prompt names them).
  const truth: Record<string, string> = { company: "ACME SHOP", date: "12/03/2019", total: "10.00" };
  const asked = (text: string) => (/fields from the document: ([^.]+)\./.exec(text)?.[1] ?? "").split(", ");
  const gw = await startTestGateway({
    upstreamA: { answer: (req) => JSON.stringify(Object.fromEntries(asked(lastUserText(req)).map((f) => [f, truth[f] ?? null]))) },
    config: {
      require_keys: false,
      tasks: [{ name: "receipts", kind: "extract", fields: ["company", "date", "total"], tiers: ["extractor", "llm-extract"], audit: { rate: 1, epsilon: 0.05 } }],
    },
  });
  t.after(() => gw.close());
  const response = await fetch(`${gw.url}/v1/tasks/receipts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input: RECEIPT_TEXT }) });
  assert.equal(response.status, 200);
  await gw.gateway.context.audits.idle();
  const receipts = gw.gateway.context.audits.status(gw.gateway.context.tasks).tasks.find((s) => s.task === "receipts");
  assert.equal(receipts?.outcomes.agree, 1, JSON.stringify(receipts?.outcomes));
  // company (confidence 0.4 < 0.9) went to the LLM as the certificate says: nothing to audit; date and total were kept.
  assert.deepEqual(
    receipts?.streams.map((s) => [s.field, s.audits, s.disagreements]),
    [
      ["company", 0, 0],
      ["date", 1, 0],
      ["total", 1, 0],
    ],
  );
  const [row] = (await ledgerRows(gw.dataDir)).filter((r) => r.kind === "audit");
  assert.equal(row?.errorCode, null);
  assert.equal(row?.tier, "llm-extract");
});
