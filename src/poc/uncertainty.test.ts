/**
 * A PoC on few items must not read like one on many: every measured figure carries its 95% interval in results.json, the
 * comparison with the baseline its interval, and a recommendation whose interval crosses the quality target says so in
 * words. The compact model answers from a table (always right, always sure) and the LLM is modeled, so the only thing
 * that changes between the two runs below is how many items there are.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableClassifier } from "../tiers/testing.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import type { ComparisonEntry } from "../results/types.ts";
import { runPoc } from "./run-poc.ts";
import { formatSummaryTable } from "./summary-table.ts";

const labels = ["card_arrival", "pin_blocked", "exchange_rate"];
const dir = mkdtempSync(join(tmpdir(), "frugal-poc-uncertainty-"));
const rows = Array.from({ length: 160 }, (_, i) => ({ text: `message ${i} about ${labels[i % 3]}`, label: labels[i % 3] as string }));
writeFileSync(join(dir, "data.csv"), ["text,category", ...rows.map((r) => `${r.text},${r.label}`)].join("\n"));
const table = Object.fromEntries(rows.map((r) => [r.text, { label: r.label, confidence: 0.97 }]));
const loader: CompactLoader = {
  load: ({ file }) => ({ model: tableClassifier(labels, table, 0.8), id: `table#${file}`, file, trained: false, info: {} }),
  trainOrReuse: async () => {
    throw new Error("not used");
  },
};
writeFileSync(
  join(dir, "poc.yaml"),
  `
task:
  name: intents
  kind: classify
  dataset: { path: data.csv, text: text, label: category }
  labels: [${labels.join(", ")}]
tiers:
  compact: { kind: compact, model: table.frugal }
  big-llm:
    kind: llm
    model: gpt-4o-mini
    modeled: { planner_model: llama-3.1-8b }
pipelines:
  - name: dense
    tiers: [big-llm]
  - name: frugal
    tiers: [compact, big-llm]
load: { kind: constant, rate: 400 }
slo: { p95_ms: 2000 }
quality_target: 0.95
`,
);

async function run(maxItems: number, name: string) {
  const out = join(dir, name);
  const outcome = await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: {}, compactLoader: loader, fresh: true, maxItems });
  return { ...outcome, out };
}

test("10 items: every measured figure has its interval, and no conclusion is stated bare", async () => {
  const { results, out } = await run(10, "ten");
  const frugal = results.pipelines.find((p) => p.name === "frugal");
  assert.ok(frugal !== undefined);
  // 10 out of 10 right: Wilson's 95% interval is 72.2–100%, not a certain 100%.
  assert.equal(frugal.metrics.quality.value, 1);
  assert.equal(frugal.metrics.quality.ci95_method, "wilson");
  assert.equal(frugal.metrics.quality.ci95_n, 10);
  assert.ok(Math.abs((frugal.metrics.quality.ci95?.[0] ?? 0) - 0.7225) < 1e-3, JSON.stringify(frugal.metrics.quality));
  for (const figure of [frugal.metrics.cost_per_request_usd, frugal.metrics.kwh_per_1000]) {
    const [lo, hi] = figure.ci95 ?? [Number.NaN, Number.NaN];
    assert.ok(lo <= (figure.value ?? -1) && (figure.value ?? -1) <= hi, JSON.stringify(figure));
  }
  const cmp = (results.comparison as Record<string, ComparisonEntry>).frugal;
  assert.ok(cmp?.cost_cut_factor_ci95 !== undefined && cmp.cost_cut_factor_ci95 !== null, "the cost ratio has its interval");
  assert.ok(cmp.cost_cut_factor_ci95[0] <= (cmp.cost_cut_factor ?? 0) && (cmp.cost_cut_factor ?? 0) <= cmp.cost_cut_factor_ci95[1]);
  // gpt-4o-mini has no energy profile here: no energy ratio, and so no interval made up for one.
  if (cmp.kwh_cut_factor === null) assert.equal(cmp.kwh_cut_factor_ci95, null);
  assert.match(cmp.cost_statement ?? "", /95% CI .*too few to conclude/);

  // Chosen on 5 items, scored on the other 5: 5/5 right is 56.6–100%, which crosses the 95% target.
  const rec = results.recommendation;
  assert.deepEqual([(rec.selection as { chosen_on: { items: number } }).chosen_on.items, (rec.selection as { scored_on: { items: number } }).scored_on.items], [5, 5]);
  assert.equal(rec.quality_verdict, "interval_crosses_target");
  assert.match(String(rec.statement), /held-out chain quality 100\.0% \(95% CI 56\.6–100\.0%, n=5\): the interval crosses the 95\.0% target — too few items to conclude/);

  const table = formatSummaryTable(results);
  assert.match(table, /too few items to conclude/);
  assert.match(table, /72\.2–100\.0% \(n=10\)/, "the quality's interval under the quality");
  assert.doesNotMatch(table, /frugal costs [\d,.]+× less per request than dense \(modeled prices\)/, `no bare ratio:\n${table}`);
  const summary = readFileSync(join(out, "summary.md"), "utf8");
  assert.match(summary, /95% CI 72\.2–100\.0%, n=10/);
  assert.match(summary, /too few items to conclude/);
  const html = readFileSync(join(out, "index.html"), "utf8");
  assert.match(html, /95% CI 72\.2–100\.0%, n=10/);
});

test("160 items: the same all-right compact tier clears the target once the held-out interval does", async () => {
  const { results } = await run(160, "many");
  const rec = results.recommendation;
  assert.equal(rec.quality_verdict, "meets_target", String(rec.statement));
  assert.match(String(rec.statement), /n=80\): meets the 95\.0% target/);
  const ci = rec.quality_ci95 as [number, number];
  assert.ok(ci[0] > 0.95 && ci[1] === 1, JSON.stringify(ci));
});
