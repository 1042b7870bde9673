import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrugalError } from "../core/errors.ts";
import type { PocResults } from "../results/types.ts";
import { renderReport, writeReport } from "./write-report.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);
const HOSTILE = "</script><img src=x onerror=alert(1)>";
function fixture(name: string): PocResults {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as PocResults;
}

describe("writeReport", () => {
  it("writes index.html, summary.md and a results.json that reads back the same", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-report-"));
    try {
      const results = fixture("classify-banking77.json");
      const written = writeReport(results, join(dir, "nested", "report"));
      for (const path of Object.values(written)) assert.ok(existsSync(path), path);
      assert.deepEqual(JSON.parse(readFileSync(written.resultsJson, "utf8")), results);
      assert.ok(readFileSync(written.summaryMd, "utf8").startsWith("# PoC report — banking77-intents\n"));
      // Well under the ~200 KB budget: uPlot (~51 KB) + our script and styles + this run's figures.
      assert.ok(statSync(written.indexHtml).size < 200_000, `${statSync(written.indexHtml).size} bytes`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("can leave an existing results.json alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-report-"));
    try {
      const written = writeReport(fixture("classify-banking77.json"), dir, { skipResultsJson: true });
      assert.ok(!existsSync(written.resultsJson));
      assert.ok(existsSync(written.indexHtml));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses results that fail the contract, before writing anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-report-"));
    try {
      const bad = { ...fixture("classify-banking77.json"), pipelines: [] };
      assert.throws(() => writeReport(bad, join(dir, "out")), (e: unknown) => e instanceof FrugalError && e.code === "input_invalid");
      assert.ok(!existsSync(join(dir, "out")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the HTML is self-contained", () => {
  const { html } = renderReport(fixture("classify-banking77.json"));

  it("references nothing outside itself", () => {
    assert.ok(!/<link\b/i.test(html), "no <link>");
    assert.ok(!/<script[^>]*\bsrc=/i.test(html), "no external script");
    assert.ok(!/<img\b/i.test(html), "no image");
    assert.ok(!/@import|url\(\s*['"]?(https?:)?\/\//i.test(html), "no CSS import or remote url()");
    assert.ok(!/\b(src|href)=["']?https?:/i.test(html), "no remote src/href");
  });

  it("inlines uPlot, the report script and the chart data", () => {
    assert.ok(html.includes("uPlot"));
    assert.ok(html.includes("__frugalReportReady"));
    const data = /<script type="application\/json" id="frugal-data">([^<]*)<\/script>/.exec(html);
    assert.ok(data?.[1] !== undefined);
    const payload = JSON.parse(data[1]) as { pipelines: Array<{ name: string }>; sweep: { chain: unknown[]; compact: unknown[] } };
    assert.deepEqual(payload.pipelines.map((p) => p.name), ["dense", "frugal"]);
    assert.equal(payload.sweep.chain.length, 19);
    assert.equal(payload.sweep.compact.length, 0);
  });

  it("escapes hostile names everywhere they land", () => {
    const results = fixture("classify-banking77.json");
    results.task.name = HOSTILE;
    const frugal = results.pipelines[1];
    assert.ok(frugal !== undefined);
    frugal.name = HOSTILE;
    frugal.tiers[0] = { name: HOSTILE, kind: "cache" };
    frugal.metrics.tier_share = { [HOSTILE]: 1 };
    const page = renderReport(results).html;
    assert.ok(!page.includes("<img"), "no live tag");
    // Exactly the three script blocks we write: data, uPlot, report script. A leaked `</script>` would add a closing tag.
    assert.equal(page.match(/<\/script>/g)?.length, 3);
    assert.equal(page.match(/<script\b/g)?.length, 3);
    assert.ok(page.includes("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
  });
});
