/**
 * The cards at the top say which operating point they describe: the recommended threshold (scored on held-out items) with
 * the run's own point beside it. A run stopped on failures compares nothing and recommends nothing.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { PocResults } from "../results/types.ts";
import { parseResults } from "./read-results.ts";
import { buildReportModel } from "./report-model.ts";
import { renderReport } from "./write-report.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);
function fixture(name: string): PocResults {
  return parseResults(JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")));
}
const card = (results: PocResults, label: string) => buildReportModel(results).headlines.find((h) => h.label === label);

describe("the headline cards", () => {
  it("show the recommended point, the run's point beside it, each named with its threshold", () => {
    const results = fixture("demo-banking77-current.json");
    const rec = results.recommendation as { threshold: number; run_threshold: number; cost_per_request_usd: number };
    const cost = card(results, "Cost / request");
    assert.match(cost?.main.about ?? "", new RegExp(`^recommended threshold ${rec.threshold}, scored on [\\d,]+ held-out items$`));
    assert.equal(cost?.main.shown.value, rec.cost_per_request_usd);
    assert.match(cost?.main.shown.interval ?? "", /^95% CI \$/);
    assert.match(cost?.main.comparison?.text ?? "", /cheaper than dense \(95% CI [\d.]+–[\d.]+×\)/);
    assert.equal(cost?.run?.about, `this run (threshold ${Number(rec.run_threshold.toFixed(4))})`);
    assert.equal(cost?.run?.shown.value, results.pipelines.find((p) => p.name === "frugal")?.metrics.cost_per_request_usd.value);
    // Latency is not replayed at other thresholds: the card is the run's, and says so.
    const p95 = card(results, "Latency P95");
    assert.equal(p95?.run, null);
    assert.match(p95?.main.about ?? "", /^this run/);
    assert.match(p95?.main.note ?? "", /not replayed at other thresholds/);
    const html = renderReport(results).html;
    const cards = html.slice(html.indexOf('<section class="headline"'), html.indexOf("</section>", html.indexOf('<section class="headline"')));
    assert.match(cards, /recommended threshold [\d.]+, scored on/);
    assert.match(cards, /class="card-run"><p class="card-about">this run \(threshold/);
  });

  it("compare nothing and recommend nothing when the run stopped on failures", () => {
    const results = fixture("classify-banking77.json");
    results.aborted = { reason: "dense: 100 of 100 requests failed (upstream_unavailable)", pipeline: "dense", failure_rate: 1, failed: 100, completed: 100, failure_limit: 0.05, detected: "during_run", by_code: { upstream_unavailable: 100 } };
    results.recommendation = { threshold: null, basis: "none", withheld: true, reason: "withheld: dense: 100 of 100 requests failed", quality_target: 0.925 };
    delete results.comparison;
    const model = buildReportModel(results);
    assert.deepEqual(model.headlines.map((h) => h.comparison), [null, null, null, null], "no ratio against a failed baseline");
    assert.ok(model.headlines.every((h) => h.run === null && h.main.about === "this run"));
    const html = renderReport(results).html;
    assert.match(html, /<h2>Run stopped on failures<\/h2><p><b>dense: 100 of 100 requests failed \(upstream_unavailable\) \(100\.0% of its requests failed, limit 5\.0%\)/);
    assert.doesNotMatch(html, /× cheaper than/);
    assert.match(html, /No threshold is recommended/);
    assert.match(renderReport(results).markdown, /\*\*Run stopped on failures:\*\*/);
  });

  it("name the price row each tier was costed with, in the HTML and in summary.md", () => {
    const results = fixture("classify-banking77.json");
    const llm = results.pipelines[0]?.tiers[0];
    assert.ok(llm !== undefined);
    llm.priced_as = { basis: "tokens", model: "openai/gpt-4o", source: "catalog", usd_per_1m_input: 2.5, usd_per_1m_output: 10, catalog_version: "2025-10", served_model: "gpt-4o", served_model_from: "FRUGAL_LLM_MODEL" };
    const { html, markdown } = renderReport(results);
    const line = `${llm.name} priced as openai/gpt-4o: $2.50 / $10.00 per 1M input / output tokens (catalog 2025-10; served model gpt-4o (from FRUGAL_LLM_MODEL))`;
    assert.ok(html.includes(line), "index.html");
    assert.ok(markdown.includes(`  - ${line.replace(/_/g, "\\_")}`), "summary.md (Markdown-escaped)");
  });
});
