import { test } from "node:test";
import assert from "node:assert/strict";
import { createSqliteLedgerStore, type LedgerEntry } from "../ledger/index.ts";
import { sampleEntry } from "../ledger/sample-entry.ts";
import { tempDataDir } from "../ledger/test-db.ts";
import { datasetFromLedger, emptyDatasetReason } from "./ledger-dataset.ts";

const taskRow = (i: number, input: string, label: string, tierKind: string | undefined, extra: Partial<LedgerEntry> = {}): LedgerEntry =>
  sampleEntry(i, { requestId: `r${i}`, target: "intents", tier: tierKind === "compact" ? "compact" : "llm", cacheHit: false, body: JSON.stringify({ input, output: { kind: "classify", label }, ...(tierKind !== undefined ? { tier_kind: tierKind } : {}) }), ...extra });

test("ledger rows → LLM-labeled and gold texts: compact answers, cache hits, errors and other tasks are left out; the latest feedback wins", async () => {
  const tmp = tempDataDir();
  const ledger = createSqliteLedgerStore({ db: tmp.open() });
  try {
    await ledger.append(taskRow(1, "where is my card", "card_arrival", "llm"));
    await ledger.append(taskRow(2, "pin locked", "pin_blocked", "compact"));
    await ledger.append(taskRow(3, "rate today", "exchange_rate", "llm", { cacheHit: true }));
    await ledger.append(taskRow(4, "failed one", "exchange_rate", "llm", { status: 502 }));
    await ledger.append(taskRow(5, "other task", "exchange_rate", "llm", { target: "other" }));
    await ledger.append(taskRow(6, "older row, no tier_kind", "pin_blocked", undefined));
    await ledger.append(sampleEntry(7, { requestId: "r7", target: "intents", tier: "llm", body: null }));
    await ledger.append(sampleEntry(8, { requestId: "r2", kind: "feedback", target: "intents", body: JSON.stringify({ answer: "exchange_rate" }) }));
    await ledger.append(sampleEntry(9, { requestId: "r2", kind: "feedback", target: "intents", body: JSON.stringify({ answer: "pin_blocked" }) }));
    await ledger.append(sampleEntry(10, { requestId: "r7", kind: "feedback", target: "intents", body: JSON.stringify({ answer: "pin_blocked" }) }));

    const data = await datasetFromLedger(ledger, { task: "intents", isLlmTier: (t) => t === "llm" });
    assert.deepEqual(data.distilled.map((r) => [r.text, r.label, r.source]), [
      ["where is my card", "card_arrival", "llm"],
      ["older row, no tier_kind", "pin_blocked", "llm"],
    ]);
    assert.deepEqual(data.gold.map((r) => [r.text, r.label]), [["pin locked", "pin_blocked"]]);
    assert.deepEqual(data.stats, { taskRows: 6, withBody: 4, llmAnswered: 2, feedback: 3, feedbackWithoutInput: 1 });

    const since = await datasetFromLedger(ledger, { task: "intents", since: "2025-06-01T05:30:00Z", isLlmTier: () => true });
    assert.deepEqual(since.distilled.map((r) => r.text), ["older row, no tier_kind"]);
  } finally {
    await ledger.close();
    tmp.cleanup();
  }
});

test("an empty dataset says why in one line: bodies not stored, or none answered by the LLM", () => {
  const none = { distilled: [], gold: [], stats: { taskRows: 3, withBody: 0, llmAnswered: 0, feedback: 0, feedbackWithoutInput: 0 } };
  assert.match(emptyDatasetReason("intents", false, none, "L") ?? "", /does not store bodies: set `store_bodies: true`/);
  assert.match(emptyDatasetReason("intents", true, none, "L") ?? "", /no ledger row of task intents holds a body in L/);
  assert.match(emptyDatasetReason("intents", true, { ...none, stats: { ...none.stats, withBody: 3 } }, "L") ?? "", /none answered by the LLM tier/);
  assert.equal(emptyDatasetReason("intents", true, { ...none, gold: [{ text: "t", label: "l", source: "gold" }] }, "L"), undefined);
});
