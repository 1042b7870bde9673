/**
 * The quality-vs-cost legend lists what the chart draws, and only that: the curves come from one function
 * (paretoCurves) that both the browser script and the legend read.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { PocResults } from "../results/types.ts";
import { chartPayload, paretoCurves } from "./html.ts";
import { parseResults } from "./read-results.ts";
import { buildReportModel } from "./report-model.ts";
import { renderReport } from "./write-report.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);
function fixture(name: string): PocResults {
  return parseResults(JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")));
}

/** The Pareto chart's legend: each item's key style and text. */
function paretoLegend(html: string): Array<{ style: string; label: string }> {
  const figure = html.slice(html.indexOf('<figure class="chart" id="fig-pareto">'), html.indexOf('<figure class="chart" id="fig-latency">'));
  return [...figure.matchAll(/<li><span class="key key-(\w+)"[^>]*><\/span>([^<]*)<\/li>/g)].map((m) => ({ style: m[1] ?? "", label: m[2] ?? "" }));
}

/** A modeled-LLM run: the chain's quality is known only where nothing escalates (thresholds 0 and 0.05, same cost). */
function modeledLlmRun(): PocResults {
  const results = fixture("demo-banking77-modeled.json");
  results.sweep = results.sweep.map((p, i) =>
    i < 2 ? { ...p, threshold: i * 0.05, quality: 0.93, quality_provenance: "measured", cost_per_request_usd: 9.9e-10 } : { ...p, quality: null, quality_provenance: "not_measured" },
  );
  return results;
}

describe("the quality-vs-cost legend", () => {
  it("lists no sweep line when the chain's quality is known at one cost only (the LLM modeled)", () => {
    const results = modeledLlmRun();
    const model = buildReportModel(results);
    const curves = paretoCurves(model);
    assert.equal(curves.chain.length, 1, "two thresholds, one cost: one point");
    const legend = paretoLegend(renderReport(results).html);
    assert.ok(!legend.some((i) => i.label.startsWith("threshold sweep")), JSON.stringify(legend));
    const dot = legend.find((i) => /^threshold 0(\.05)? of frugal/.test(i.label));
    assert.equal(dot?.style, "dot", "a single point is listed as a point");
    assert.equal(legend.find((i) => i.label.startsWith("quality of the compact answers kept"))?.style, "dash");
  });

  it("lists each curve the payload draws, as a line when it has two points or more, and nothing else", () => {
    for (const name of ["classify-banking77.json", "demo-banking77-modeled.json", "extract-mixed-provenance.json", "classify-banking77-large.json"]) {
      const results = fixture(name);
      const model = buildReportModel(results);
      const payload = chartPayload(model) as { sweep: { chain: unknown[]; compact: unknown[] } };
      const legend = paretoLegend(renderReport(results).html);
      const sweepItems = legend.filter((i) => i.label.startsWith("threshold sweep") || /^threshold [\d.]+ of /.test(i.label));
      const compactItems = legend.filter((i) => i.label.startsWith("quality of the compact answers kept"));
      assert.equal(sweepItems.length, payload.sweep.chain.length === 0 ? 0 : 1, name);
      if (payload.sweep.chain.length >= 2) assert.notEqual(sweepItems[0]?.style, "dot", name);
      assert.equal(compactItems.length, payload.sweep.compact.length === 0 ? 0 : 1, name);
      const pipelines = legend.filter((i) => model.pipelines.some((p) => i.label.startsWith(`${p.name} (`)));
      assert.equal(pipelines.length, model.pipelines.filter((p) => p.cost.value !== null).length, `${name}: a legend item per pipeline drawn`);
    }
  });
});
