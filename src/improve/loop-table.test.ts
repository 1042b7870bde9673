import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isFrugalError } from "../core/errors.ts";
import { renderSummaryMarkdown } from "../report/markdown.ts";
import { optionalSections } from "../report/html-parts.ts";
import { parseResults } from "../report/read-results.ts";
import { buildReportModel } from "../report/report-model.ts";
import type { LoopResult, WindowRow } from "./improvement-loop.ts";
import { loopResultSchema, loopTable, loopTableMarkdown } from "./loop-table.ts";
import { PROMOTION_RULE } from "./distill-core.ts";

function window(n: number, escalation: number, accuracy: number, promoted: boolean, threshold: number | null): WindowRow {
  return {
    window: n,
    requests: 1000,
    served: { version: n, threshold, trained_on: { seed: 400, llm: 0, gold: 0 } },
    escalated: escalation * 1000,
    escalation_rate: escalation,
    escalation_ci95: [escalation - 0.02, escalation + 0.02],
    llm_failed: 0,
    cost_per_1k_usd: { total: 0.4 * escalation, compact: 1e-6, llm: 0.4 * escalation, audit: 0 },
    traffic_accuracy: 0.95,
    traffic_accuracy_ci95: [0.93, 0.96],
    test: { n: 3080, accuracy, accuracy_ci95: [accuracy - 0.01, accuracy + 0.01], coverage: 1 - escalation, kept: 100, kept_error: 0.02, kept_error_ci95: [0.01, 0.03] },
    audit: { sampled: 20, disagreements: 1, upper_bound_95: 0.22 },
    distill: { candidate_certified_coverage: 0.7, current_certified_coverage: 0.5, promoted, train_rows: 2000, train_seconds: 10 },
  };
}

const RESULT: LoopResult = {
  settings: { windows: 2, seedShare: 0.05, epsilon: 0.1, auditShare: 0.02, seed: 1 },
  labeler: "simulated",
  llm_model: "llama-3.1-70b-instruct-turbo",
  llm_priced_as: "together/llama $0.88/$0.88 per 1M input/output tokens",
  provenance: { cost: "modeled", llm_tokens: "modeled", labels: "simulated", compact_cpu: "measured" },
  promotion_rule: PROMOTION_RULE,
  seed_rows: 499,
  traffic_rows: 2000,
  test_rows: 3080,
  windows: [window(1, 1, 0.667, true, null), window(2, 0.25, 0.9, false, 0.75)],
  goal: { escalation_first: 1, escalation_last: 0.25, escalation_halved: true, test_accuracy_first: 0.667, test_accuracy_last: 0.9, accuracy_held: true, met: true },
};

test("the loop table: one row per window, simulated labels said so, the goal's verdict", () => {
  const table = loopTable(loopResultSchema.parse(RESULT));
  assert.equal(table.rows.length, 2);
  assert.equal(table.rows[0]?.[2], "v1 (none certified)");
  assert.equal(table.rows[1]?.[3], "25.0% [23.0, 27.0]");
  assert.equal(table.rows[1]?.[9], "70.0% vs 50.0% → no");
  assert.ok(table.notes.some((n) => n.includes("SIMULATED")));
  assert.ok(table.notes.some((n) => n.includes("agreement") || n.includes("disagreement with the LLM")));
  assert.ok(table.notes.at(-1)?.endsWith(": met."));
  const md = loopTableMarkdown(table);
  assert.equal(md.length, 4);
  assert.equal(md[0]?.split(" | ").length, table.header.length);
});

test("the PoC report shows the loop when results.json has one, and refuses a malformed one", () => {
  const fixture = JSON.parse(readFileSync(new URL("../../test/fixtures/poc-results/classify-banking77.json", import.meta.url), "utf8")) as Record<string, unknown>;
  const plain = buildReportModel(parseResults(fixture));
  assert.equal(plain.improvementLoop, null);
  assert.ok(!renderSummaryMarkdown(plain).includes("## Improvement loop"));

  const model = buildReportModel(parseResults(JSON.parse(JSON.stringify({ ...fixture, improvement_loop: RESULT }))));
  const md = renderSummaryMarkdown(model);
  assert.ok(md.includes("## Improvement loop"));
  // The report's Markdown escapes brackets.
  assert.ok(md.includes("| 2 | 1000 | v2 (0.750) | 25.0% \\[23.0, 27.0\\] |"));
  assert.ok(optionalSections(model).includes('<section id="improvement-loop">'));

  const broken = { ...fixture, improvement_loop: { ...RESULT, windows: [{ window: 1 }] } };
  assert.throws(() => parseResults(broken), isFrugalError);
});
