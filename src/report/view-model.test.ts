import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { PocResults } from "../results/types.ts";
import { parseResults } from "./read-results.ts";
import { buildReportModel } from "./report-model.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);
function fixture(name: string): PocResults {
  return parseResults(JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")));
}
function row(model: ReturnType<typeof buildReportModel>, label: string) {
  const found = model.rows.find((r) => r.label === label);
  assert.ok(found, `row ${label}`);
  return found;
}

describe("the report model", () => {
  it("shows a null as 'not measured' with a not_measured badge, never as 0", () => {
    const model = buildReportModel(fixture("classify-banking77.json"));
    const dense = row(model, "Accuracy").cells[0];
    assert.deepEqual([dense?.text, dense?.value, dense?.provenance], ["not measured", null, "not_measured"]);
    const results = fixture("classify-banking77.json");
    const frugal = results.pipelines[1];
    assert.ok(frugal !== undefined);
    frugal.metrics.kwh_per_1000 = { value: null, provenance: "modeled" };
    const kwh = row(buildReportModel(results), "kWh / 1,000 requests").cells[1];
    assert.equal(kwh?.text, "not measured");
    assert.equal(kwh?.provenance, "not_measured", "a null is unknown whatever provenance the writer claimed");
  });

  it("compares the candidate with the baseline, with the comparison's own provenance", () => {
    const model = buildReportModel(fixture("classify-banking77.json"));
    assert.equal(model.baseline, "dense");
    assert.equal(model.candidate, "frugal");
    const cost = model.headlines.find((h) => h.label === "Cost / request");
    // The card leads with the recommended point (threshold 0.4), the run's own beside it.
    assert.equal(cost?.main.about, "recommended threshold 0.4");
    assert.equal(cost?.main.shown.text, "$0.0000377");
    // 0.000447 / 0.00003765 = 11.87; this older file has no interval, so the ratio stands alone.
    assert.equal(cost?.run?.comparison?.text, "11.9× cheaper than dense");
    assert.equal(cost?.run?.comparison?.provenance, "mixed", "modeled vs mixed inputs");
    assert.ok(cost?.run?.comparison?.details.some((d) => d.startsWith("dense: modeled")));
    const quality = model.headlines.find((h) => h.label === "Accuracy");
    assert.equal(quality?.comparison?.provenance, "not_measured");
    assert.equal(quality?.comparison?.text, "dense: not measured");
  });

  it("keeps the provenance of a comparison whose inputs agree", () => {
    const model = buildReportModel(fixture("extract-mixed-provenance.json"));
    const p95 = model.headlines.find((h) => h.label === "Latency P95");
    assert.equal(p95?.comparison?.text, "2.5× faster than dense");
    assert.equal(p95?.comparison?.provenance, "measured");
    assert.deepEqual(p95?.comparison?.details, []);
  });

  it("lets SLO attainment inherit the provenance of the latencies it counts", () => {
    const model = buildReportModel(fixture("classify-banking77.json"));
    const slo = row(model, "Within SLO (800 ms)");
    assert.deepEqual(slo.cells.map((c) => c.provenance), ["modeled", "mixed"]);
    assert.deepEqual(row(model, "Cache hit rate").cells.map((c) => c.provenance), ["measured", "measured"]);
  });

  it("shows extra figure-valued metrics and names the baseline on request", () => {
    const model = buildReportModel(fixture("classify-banking77.json"), { baseline: "frugal" });
    assert.equal(row(model, "Macro-F1").cells[1]?.text, "0.922");
    assert.equal(model.baseline, "frugal");
    assert.equal(model.pipelines.find((p) => p.isBaseline)?.name, "frugal");
  });

  it("fills the recommendation from its sweep point and gives sweep points the pipeline's provenance", () => {
    const model = buildReportModel(fixture("extract-mixed-provenance.json"));
    assert.equal(model.recommendation?.threshold, 0.4);
    assert.equal(model.recommendation?.quality.text, "93.0%");
    assert.equal(model.recommendation?.cost.provenance, "mixed");
    assert.equal(model.sweep.points.at(-1)?.quality.text, "not measured");
    assert.equal(model.hints.hints[0]?.env[0], "FRUGAL_LLM_BASE_URL");
  });

  it("finds FRUGAL_* variables in figure notes when the results carry no hints", () => {
    const results = fixture("classify-banking77.json");
    delete results.measure_with;
    const model = buildReportModel(results);
    assert.deepEqual(model.hints.hints[0]?.env, ["FRUGAL_LLM_BASE_URL"]);
    assert.ok(model.hints.modeledFigures > 0 && model.hints.notMeasuredFigures > 0);
  });

  it("describes the load and the SLO in the header facts", () => {
    const model = buildReportModel(fixture("classify-banking77.json"));
    assert.deepEqual(model.facts, ["classify", "3,080 items", "Poisson load at 20 req/s, 3,080 requests per pipeline, warm-up 50", "SLO: P95 ≤ 800 ms", "2 pipelines"]);
  });

  it("reads an older runner's output: its 'modeled' quality on the compact-part basis is the compact answers' (measured)", () => {
    const model = buildReportModel(fixture("demo-banking77-modeled.json"));
    assert.equal(model.recommendation?.threshold, 0.65);
    // The file says quality 0.953, provenance "modeled", basis compact_part_meets_target: 0.953 is the measured quality of
    // the compact answers kept, and the chain's quality is unknown (its LLM is modeled). Shown as such, not as "95.3% modeled".
    assert.equal(model.recommendation?.quality.text, "not measured");
    assert.equal(model.recommendation?.quality.provenance, "not_measured");
    assert.equal(model.recommendation?.compactQuality?.text, "95.3%");
    assert.equal(model.recommendation?.compactQuality?.provenance, "measured");
    assert.equal(model.recommendation?.coverage.text, "87.3%");
    assert.equal(model.recommendation?.basis, "compact_part_meets_target");
    const [first, , third] = model.sweep.points;
    assert.equal(first?.quality.provenance, "measured");
    assert.equal(third?.quality.text, "not measured");
    assert.ok((third?.compactQuality ?? 0) > 0.89);
    const quality = model.headlines.find((h) => h.label === "Accuracy");
    assert.equal(quality?.main.shown.text, "not measured", "the chain's quality at the recommended threshold");
    assert.equal(quality?.main.comparison?.text, "compact answers kept: 95.3% on 87.3% of requests");
    assert.equal(quality?.run?.shown.text, "not measured");
    assert.equal(quality?.run?.comparison?.text, "measured part: 99.1% on the 64.7% answered by the tiers that ran");
    assert.equal(quality?.run?.comparison?.provenance, "measured");
    assert.deepEqual(model.planning?.columns, ["dense", "frugal"], "one column per pipeline, like the summary");
    assert.deepEqual(model.planning?.rows.slice(0, 3).map((r) => r.label), ["Model (planner)", "Fits the SLO", "GPU"]);
    // An older file's per-LLM-call figures are labeled as such, not as per request.
    assert.ok(model.planning?.rows.some((r) => r.label === "kWh / 1,000 LLM calls"));
    assert.ok(!model.planning?.rows.some((r) => r.label === "kWh / 1,000 requests"));
    assert.ok(model.facts.includes("Poisson load at 100 req/s, 4,000 requests per pipeline, warm-up 50"));
  });

  it("reads the current runner's recommendation: each figure with its own provenance and notes", () => {
    const results = fixture("demo-banking77-modeled.json");
    results.recommendation = {
      pipeline: "frugal",
      threshold: 0.65,
      basis: "compact_part_meets_target",
      quality: null,
      quality_provenance: "not_measured",
      quality_note: "big-llm is modeled, so its answers on the 12.7% of requests escalated at this threshold are unknown",
      compact_quality: 0.9531,
      compact_quality_provenance: "measured",
      coverage: 0.8733,
      coverage_of: "requests",
      escalation_rate: 0.1267,
      cost_per_request_usd: 3.87e-5,
      cost_provenance: "modeled",
      cost_note: "price tables applied to usage: compact: measured CPU time at $0.0446/core-hour + big-llm: modeled usage × $0.88/$0.88 per 1M",
      quality_target: 0.95,
      reason: "the chain's quality is not measured",
    };
    const rec = buildReportModel(results).recommendation;
    assert.deepEqual([rec?.quality.text, rec?.quality.provenance], ["not measured", "not_measured"]);
    assert.ok(rec?.quality.details[0]?.includes("big-llm is modeled"));
    assert.deepEqual([rec?.compactQuality?.text, rec?.compactQuality?.provenance], ["95.3%", "measured"]);
    assert.deepEqual([rec?.cost.text, rec?.cost.provenance], ["$0.0000387", "modeled"]);
    assert.ok(rec?.cost.details.some((d) => d.includes("$0.0446/core-hour")), "the cost says what it is made of");
    assert.deepEqual([rec?.escalation?.text, rec?.coverageOf], ["12.7%", "requests"]);

    // Under a stated LLM accuracy the chain's quality is modeled, and says on what assumption.
    Object.assign(results.recommendation, { basis: "assumed_llm_quality", quality: 0.96, quality_provenance: "modeled", assumed_llm_quality: 0.9, quality_note: "assumed" });
    const assumed = buildReportModel(results).recommendation;
    assert.deepEqual([assumed?.quality.text, assumed?.quality.provenance], ["96.0%", "modeled"]);
    assert.ok(assumed?.quality.details.includes("assumed LLM accuracy: 90.0%"));
    assert.match(assumed?.basisText ?? "", /stated LLM accuracy \(modeled/);
  });

  it("handles a single pipeline with no sweep, no recommendation and no latency", () => {
    const results = fixture("classify-banking77.json");
    const only = results.pipelines[1];
    assert.ok(only !== undefined);
    only.metrics.latency_ms = { p50: null, p95: null, p99: null, provenance: "not_measured" };
    results.pipelines = [only];
    results.sweep = [];
    results.recommendation = {};
    const model = buildReportModel(results);
    assert.equal(model.baseline, "frugal");
    assert.equal(model.candidate, null);
    assert.deepEqual(model.headlines.map((h) => h.comparison), [null, null, null, null], "nothing to compare with");
    assert.equal(model.pipelines[0]?.percentiles.length, 0);
    assert.equal(row(model, "Latency P95").cells[0]?.text, "not measured");
    assert.equal(model.recommendation, null);
  });
});
