import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { PocResults } from "../results/types.ts";
import { renderSummaryMarkdown, sampleSweep } from "./markdown.ts";
import { parseResults } from "./read-results.ts";
import { buildReportModel } from "./report-model.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);
function fixture(name: string): PocResults {
  return parseResults(JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")));
}
function markdown(results: PocResults): string {
  return renderSummaryMarkdown(buildReportModel(results));
}

describe("summary.md", () => {
  const md = markdown(fixture("classify-banking77.json"));

  it("has the summary table with the provenance after each figure", () => {
    assert.ok(md.includes("| Figure | dense (baseline) | frugal |"));
    assert.ok(md.includes("| Accuracy | not measured _(not measured)_ | 92.6% _(mixed)_ |"));
    assert.ok(md.includes("| Cost / request | $0.000447 _(modeled)_ | $0.0000377 _(mixed)_ |"));
    assert.ok(md.includes("| Latency P95 | 688 ms _(modeled)_ | 641 ms _(mixed)_ |"));
    assert.ok(md.includes("| Tier share | big-llm 100.0% _(measured)_ | cache 2.1% · compact 89.5% · big-llm 8.4% _(measured)_ |"));
  });

  it("lists the parts of each mixed figure", () => {
    assert.ok(md.includes("- frugal · Cost / request, Cost / 1,000 requests: compact cpu time × $0.048/core-hour: measured (&lt;1%); big-llm tokens × catalog price: modeled (100%)"));
    assert.ok(md.includes("- frugal · Latency P50, Latency P95, Latency P99, Within SLO (800 ms): cache + compact: measured (92%); big-llm: modeled (8%)"));
  });

  it("states the recommended point and the variables that make modeled figures measured", () => {
    assert.ok(md.includes("**frugal**, threshold **0.4**. Quality target: 92.5%."));
    assert.ok(md.includes("- Chain quality: 92.6% _(mixed)_"));
    assert.ok(md.includes("- Kept by the first tier: 91.4% _(measured)_"));
    assert.ok(md.includes("- Cost / request: $0.0000377 _(mixed)_"));
    assert.ok(md.includes("cheapest threshold of the sweep whose quality meets the target"), "the runner's reason");
    assert.ok(md.includes("- Set `FRUGAL_LLM_BASE_URL`, `FRUGAL_LLM_MODEL`, `FRUGAL_LLM_API_KEY` to measure"));
  });

  it("prints the whole sweep when it is short, marking the recommended threshold", () => {
    const sweepRows = md.split("\n").filter((line) => /^\| 0\.\d+/.test(line));
    assert.equal(sweepRows.length, 19);
    assert.equal(sweepRows.filter((line) => line.includes("**(recommended)**")).length, 1);
    assert.ok(sweepRows.some((line) => line.startsWith("| 0.4 **(recommended)** | 91.4% | not measured _(not measured)_ | 92.6% _(mixed)_ |")));
  });

  it("samples a long sweep and keeps the recommended point", () => {
    const model = buildReportModel(fixture("classify-banking77-large.json"));
    const sampled = sampleSweep(model.sweep, 0.36);
    assert.ok(sampled.length <= 22 && sampled.length >= 20, String(sampled.length));
    assert.equal(sampled[0]?.threshold, 0.05);
    assert.equal(sampled.at(-1)?.threshold, 0.95);
    assert.ok(sampled.some((p) => p.threshold === 0.36));
    assert.ok(renderSummaryMarkdown(model).includes(`${sampled.length} of 181 points; the full sweep is in results.json.`));
  });

  it("reports failed rows and the optional sections", () => {
    const mixed = markdown(fixture("extract-mixed-provenance.json"));
    assert.ok(mixed.includes("14 row(s) failed or could not be scored"));
    assert.ok(mixed.includes("| train.jsonl:14 | dense | request | hosted-llm | rate\\_limited: 429 Too Many Requests after 3 attempts |"));
    assert.ok(mixed.includes("## Extraction by field"));
    assert.ok(mixed.includes("| kWh / 1,000 requests | not measured _(not measured)_ | 0.0041 kWh _(measured)_ |"));
    // The planning table reads like the summary: one row per figure, one column per plan, so it keeps the page's width.
    assert.ok(mixed.includes("| Figure | l4 · llama-3.1-8b · int4 | cpu · llama-3.1-8b · int4 |"), "one column per plan");
    assert.ok(mixed.includes("| GPUs needed | 1 _(modeled)_ | not measured _(not measured)_ |"), mixed);
    const rows = mixed.slice(mixed.indexOf("| Figure | l4"));
    assert.ok(rows.indexOf("| GPU |") < rows.indexOf("| GPUs needed |"), "plain values first, figures after");
  });

  it("never shows the compact part's quality as the chain's: the modeled-LLM recommendation, each figure with its provenance", () => {
    const text = markdown(fixture("demo-banking77-modeled.json"));
    const section = text.slice(text.indexOf("## Recommended operating point"), text.indexOf("## Modeled and unmeasured"));
    assert.ok(section.includes("basis: the compact answers kept meet the target on their own (measured); the chain's quality is not measured"), section);
    assert.ok(section.includes("- Chain quality: not measured _(not measured)_"), section);
    assert.ok(section.includes("- Compact answers kept: 95.3% _(measured)_ on 87.3% _(measured)_ of requests"), section);
    assert.ok(!/95\.3% _\((modeled|mixed)\)_/.test(section), "the old summary.md said 'quality 95.3% (modeled)'");
    assert.ok(text.includes("| Threshold | Kept by compact | Compact answers kept: quality | Chain quality | Cost / request |"));
    assert.ok(!/\de[-+]\d/.test(text), "no exponent notation anywhere");
  });

  it("escapes user text so it cannot break the table or inject HTML", () => {
    const results = fixture("classify-banking77.json");
    const frugal = results.pipelines[1];
    assert.ok(frugal !== undefined);
    frugal.name = "a|b</script><img src=x onerror=alert(1)>";
    const text = markdown(results);
    assert.ok(!text.includes("<img"));
    assert.ok(text.includes("| Figure | dense (baseline) | a\\|b&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; |"));
  });
});
