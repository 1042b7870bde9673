/**
 * The report as a reader gets it: rendered by headless chromium from file://, offline. Every chart must really draw (we
 * count pixels of each series' color on the canvases and shapes in the SVGs), the table must carry provenance badges,
 * nulls must read "not measured", and the page must log no error and request nothing but itself.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { PocResults } from "../results/types.ts";
import { CHROMIUM_PATH, launchReportBrowser, openReport, type OpenedReport, type ReportBrowser } from "./chromium-harness.ts";
import { writeReport } from "./write-report.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);
const HOSTILE = "</script><img src=x onerror=alert(1)>";
const skip = existsSync(CHROMIUM_PATH) ? false : `no chromium at ${CHROMIUM_PATH}`;

function fixture(name: string): PocResults {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as PocResults;
}

/** Page-side: pixels on the canvases under `selector` within 40 (per channel) of each `#rrggbb` color. */
const COUNT_COLOR_PIXELS = `(([selector, colors]) => {
  const rgb = colors.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  const counts = colors.map(() => 0);
  for (const canvas of document.querySelectorAll(selector + " canvas")) {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] < 200) continue;
      rgb.forEach((c, k) => {
        if (Math.abs(data[p] - c[0]) < 40 && Math.abs(data[p + 1] - c[1]) < 40 && Math.abs(data[p + 2] - c[2]) < 40) counts[k] += 1;
      });
    }
  }
  return counts;
})`;

async function colorPixels(opened: OpenedReport, selector: string, colors: string[]): Promise<number[]> {
  return (await opened.page.evaluate(`${COUNT_COLOR_PIXELS}(${JSON.stringify([selector, colors])})`)) as number[];
}

async function count(opened: OpenedReport, selector: string): Promise<number> {
  return opened.page.locator(selector).count();
}

function assertClean(opened: OpenedReport): void {
  assert.deepEqual(opened.consoleErrors, [], "console errors");
  assert.deepEqual(opened.pageErrors, [], "page errors");
  assert.deepEqual(opened.dialogs, [], "dialogs");
  assert.deepEqual(opened.foreignRequests, [], "the report fetched something besides itself");
  assert.deepEqual(opened.failedRequests, [], "failed requests");
}

describe("the HTML report in chromium", { skip }, () => {
  let browser: ReportBrowser;
  let dir: string;

  before(async () => {
    browser = await launchReportBrowser();
    dir = mkdtempSync(join(tmpdir(), "frugal-report-browser-"));
  });
  after(async () => {
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function render(results: PocResults, name: string): Promise<OpenedReport> {
    const written = writeReport(results, join(dir, name));
    return openReport(browser, written.indexHtml);
  }

  it("draws all four charts of a classify PoC, with a badge by every figure, offline and without errors", async () => {
    const opened = await render(fixture("classify-banking77.json"), "classify");
    try {
      assertClean(opened);
      assert.ok(opened.readyMs > 0);
      // Teal is the frugal pipeline and its sweep, slate the dense baseline (a dashed cost line: quality not measured).
      const [teal, slate] = await colorPixels(opened, "#chart-pareto", ["#0f766e", "#64748b"]);
      assert.ok((teal ?? 0) > 200, `pareto: sweep/frugal pixels ${teal}`);
      assert.ok((slate ?? 0) > 50, `pareto: dense cost line pixels ${slate}`);
      const [lt, ls, red] = await colorPixels(opened, "#chart-latency", ["#0f766e", "#64748b", "#dc2626"]);
      assert.ok((lt ?? 0) > 100 && (ls ?? 0) > 100, `latency series pixels ${lt}/${ls}`);
      assert.ok((red ?? 0) > 50, `SLO line pixels ${red}`);
      assert.equal(await count(opened, "#fig-tiers svg rect.seg"), 4, "tier share segments: dense 1 + frugal 3");
      assert.equal(await count(opened, "#fig-kwh svg rect.bar"), 2);

      const rows = await count(opened, "table.summary tbody tr");
      assert.ok(rows >= 10);
      assert.equal(await count(opened, "table.summary tbody td .badge"), rows * 2, "one badge per cell");
      for (const kind of ["measured", "modeled", "mixed", "not_measured"]) {
        assert.ok((await count(opened, `table.summary .badge.b-${kind}`)) > 0, `a ${kind} badge`);
      }
      const denseAccuracy = await opened.page.locator("table.summary tbody tr").first().locator("td").first().innerText();
      assert.match(denseAccuracy, /^not measured/);
      const mixedTitle = await opened.page.locator("table.summary .badge.b-mixed").first().getAttribute("title");
      assert.match(mixedTitle ?? "", /big-llm .*modeled/);
      const callout = await opened.page.locator(".callout").innerText();
      for (const env of ["FRUGAL_LLM_BASE_URL", "FRUGAL_LLM_MODEL", "FRUGAL_LLM_API_KEY"]) assert.ok(callout.includes(env), env);
    } finally {
      await opened.page.close();
    }
  });

  it("renders mixed provenance, failed rows and the optional sections", async () => {
    const opened = await render(fixture("extract-mixed-provenance.json"), "mixed");
    try {
      assertClean(opened);
      assert.equal(await count(opened, "#failures tbody tr"), 14);
      assert.ok((await opened.page.locator("#fig-kwh").innerText()).includes("not measured"), "dense kWh is null");
      assert.equal(await count(opened, "#extraction tbody tr"), 7);
      assert.equal(await count(opened, "#planning thead th"), 3, "a column per plan, after the figure's label");
      assert.ok((await opened.page.locator("#planning").innerText()).includes("not measured"));
      const [teal, slate] = await colorPixels(opened, "#chart-pareto", ["#0f766e", "#64748b"]);
      assert.ok((teal ?? 0) > 100 && (slate ?? 0) > 30, `pareto pixels ${teal}/${slate}`);
    } finally {
      await opened.page.close();
    }
  });

  it("draws the GPU telemetry chart when samples are present", async () => {
    const opened = await render(fixture("classify-banking77-large.json"), "large");
    try {
      assertClean(opened);
      const [util, power] = await colorPixels(opened, "#chart-gpu", ["#0f766e", "#c2410c"]);
      assert.ok((util ?? 0) > 200 && (power ?? 0) > 200, `gpu chart pixels ${util}/${power}`);
    } finally {
      await opened.page.close();
    }
  });

  it("renders the runner's own demo output (LLM modeled, compact curve measured)", async () => {
    const opened = await render(fixture("demo-banking77-modeled.json"), "demo");
    try {
      assertClean(opened);
      const [teal, slate] = await colorPixels(opened, "#chart-pareto", ["#0f766e", "#64748b"]);
      assert.ok((teal ?? 0) > 150 && (slate ?? 0) > 30, `pareto pixels ${teal}/${slate}`);
      assert.match(await opened.page.locator("#recommendation").innerText(), /0\.65[\s\S]*95\.3%/);
      assert.ok((await count(opened, "#planning tbody tr")) >= 8);
    } finally {
      await opened.page.close();
    }
  });

  it("still draws when no quality was measured at all (every LLM modeled)", async () => {
    const results = fixture("classify-banking77.json");
    for (const p of results.pipelines) p.metrics.quality = { value: null, provenance: "not_measured" };
    for (const s of results.sweep) s.quality = null;
    results.recommendation = {};
    const opened = await render(results, "no-quality");
    try {
      assertClean(opened);
      const [teal, slate] = await colorPixels(opened, "#chart-pareto", ["#0f766e", "#64748b"]);
      assert.ok((teal ?? 0) > 30 && (slate ?? 0) > 30, `cost lines drawn ${teal}/${slate}`);
      assert.match(await opened.page.locator("#recommendation").innerText(), /no recommended operating point/);
    } finally {
      await opened.page.close();
    }
  });

  it("is not broken by hostile names: no script runs, the text shows as text", async () => {
    const results = fixture("classify-banking77.json");
    results.task.name = HOSTILE;
    const frugal = results.pipelines[1];
    assert.ok(frugal !== undefined);
    frugal.name = `frugal ${HOSTILE}`;
    frugal.metrics.tier_share = { [`compact ${HOSTILE}`]: 0.9, "big-llm": 0.1 };
    frugal.metrics.cost_per_request_usd.note = HOSTILE;
    results.recommendation.pipeline = frugal.name;
    const opened = await render(results, "hostile");
    try {
      assertClean(opened);
      assert.equal(await count(opened, "img"), 0, "no injected element");
      assert.ok((await opened.page.locator("h1").innerText()).includes(HOSTILE));
      assert.ok((await opened.page.locator("table.summary thead").innerText()).includes(`frugal ${HOSTILE}`));
      const [teal] = await colorPixels(opened, "#chart-pareto", ["#0f766e"]);
      assert.ok((teal ?? 0) > 200, "the charts still drew from the escaped JSON");
    } finally {
      await opened.page.close();
    }
  });
});

/** Page-side: every table cell whose right edge passes the right edge of the box its table sits in (a clipped column). */
const CLIPPED_CELLS = `(() => {
  const out = [];
  for (const table of document.querySelectorAll("table")) {
    const box = (table.closest(".table-wrap") || table.parentElement).getBoundingClientRect();
    for (const cell of table.querySelectorAll("th, td")) {
      const r = cell.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not displayed (a reflowed table's header row)
      if (r.right > box.right + 0.5 || r.left < box.left - 0.5) out.push((table.closest("section") || {}).id + ": " + cell.textContent.trim().slice(0, 40));
    }
    if (table.scrollWidth > table.parentElement.clientWidth + 1) out.push((table.closest("section") || {}).id + ": table " + table.scrollWidth + " px in a " + table.parentElement.clientWidth + " px box");
  }
  return out;
})()`;

describe("no table wider than its box", { skip }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "frugal-report-widths-"));
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const width of [800, 1400]) {
    it(`at ${width} px every column of every table is in view`, async () => {
      const browser = await launchReportBrowser({ width, height: 900 });
      try {
        // The runner's demo outputs (the older one had a 14-column planning table 1,972 px wide), an extraction with long
        // failure messages, and the largest classify fixture.
        for (const name of ["demo-banking77-modeled.json", "demo-banking77-current.json", "extract-mixed-provenance.json", "classify-banking77-large.json"]) {
          const written = writeReport(fixture(name), join(dir, `${width}-${name}`));
          const opened = await openReport(browser, written.indexHtml);
          try {
            assertClean(opened);
            assert.ok((await count(opened, "table")) >= 1);
            assert.deepEqual(await opened.page.evaluate(CLIPPED_CELLS), [], `${name} at ${width} px`);
          } finally {
            await opened.page.close();
          }
        }
      } finally {
        await browser.close();
      }
    });
  }
});
