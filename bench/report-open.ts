/**
 * How long the PoC report takes to open in chromium: from navigation start to every chart drawn (the page sets
 * window.__frugalReportReady one animation frame after the last chart's draw). Target: ≤ 2 s.
 *
 *   node --import tsx bench/report-open.ts [--results <results.json>] [--runs 9] [--json]
 *
 * Default input: test/fixtures/poc-results/classify-banking77-large.json, a 3,080-item classify summary with three
 * pipelines, a 181-point sweep, 7-point latency series, 60 failed rows, a planning table and 600 GPU samples (synthetic
 * figures, the heaviest report we render). test/fixtures/poc-results/demo-banking77-modeled.json is real `frugal demo`
 * output. Each run opens the file in a new page of one browser; the first page (cold) is reported apart from the warm ones.
 *
 * There is no peer tool. As a baseline, the same run opens a blank page that sets the same flag in its first animation
 * frame: what the browser and the harness cost on this machine right now. On a loaded machine wall times inflate; the
 * main thread's CPU time (Chromium's ThreadTime, from before navigation to ready) is printed too because it inflates much
 * less. It includes playwright's own polling script, so it slightly overstates the page's share.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { launchReportBrowser, openReport, type ReportBrowser } from "../src/report/chromium-harness.ts";
import { readResultsFile, writeReport } from "../src/report/index.ts";

const { values } = parseArgs({
  options: {
    results: { type: "string", default: "test/fixtures/poc-results/classify-banking77-large.json" },
    runs: { type: "string", default: "9" },
    json: { type: "boolean", default: false },
  },
});
const runs = Math.max(1, Number.parseInt(values.runs ?? "9", 10));
const resultsFile = values.results ?? "";

interface Series {
  cold: number;
  warm: number[];
  cpu: number[];
  problems: string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function measure(browser: ReportBrowser, file: string): Promise<Series> {
  const series: Series = { cold: Number.NaN, warm: [], cpu: [], problems: [] };
  for (let i = 0; i <= runs; i++) {
    const opened = await openReport(browser, file, { measureCpu: true });
    series.problems.push(...opened.consoleErrors, ...opened.pageErrors, ...opened.foreignRequests, ...opened.failedRequests);
    if (i === 0) series.cold = opened.readyMs;
    else {
      series.warm.push(opened.readyMs);
      series.cpu.push(opened.mainThreadCpuMs ?? Number.NaN);
    }
    await opened.page.close();
  }
  return series;
}

const dir = mkdtempSync(join(tmpdir(), "frugal-report-open-"));
const load1mBefore = loadavg()[0] ?? Number.NaN;
const renderStart = performance.now();
const results = readResultsFile(resultsFile);
const written = writeReport(results, dir);
const renderMs = performance.now() - renderStart;
const htmlBytes = statSync(written.indexHtml).size;
const blankFile = join(dir, "blank.html");
writeFileSync(blankFile, "<!doctype html><title>blank</title><script>requestAnimationFrame(function(){window.__frugalReportReady=performance.now()})</script>");

// The blank page goes first, in its own browser, so that the report's cold open is the first page of a fresh browser too.
let report: Series;
let blank: Series;
{
  const browser = await launchReportBrowser();
  try {
    blank = await measure(browser, blankFile);
  } finally {
    await browser.close();
  }
}
{
  const browser = await launchReportBrowser();
  try {
    report = await measure(browser, written.indexHtml);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
const load1mAfter = loadavg()[0] ?? Number.NaN;

const worst = Math.max(report.cold, ...report.warm);
const summary = {
  bench: "report-open",
  date: new Date().toISOString(),
  results_file: resultsFile,
  n_items: results.task.n_items,
  pipelines: results.pipelines.length,
  sweep_points: results.sweep.length,
  html_bytes: htmlBytes,
  render_ms: Math.round(renderMs),
  cold_open_ms: Math.round(report.cold),
  warm_runs: report.warm.length,
  warm_median_ms: Math.round(median(report.warm)),
  warm_max_ms: Math.round(Math.max(...report.warm)),
  warm_min_ms: Math.round(Math.min(...report.warm)),
  main_thread_cpu_median_ms: Math.round(median(report.cpu)),
  blank_cold_ms: Math.round(blank.cold),
  blank_warm_median_ms: Math.round(median(blank.warm)),
  blank_main_thread_cpu_median_ms: Math.round(median(blank.cpu)),
  ratio_warm_median_vs_blank: Number((median(report.warm) / median(blank.warm)).toFixed(2)),
  target_ms: 2000,
  meets_target: worst <= 2000,
  load_average_1m: { before: load1mBefore, after: load1mAfter },
  problems: report.problems,
  provenance: "measured",
};

if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  process.stdout.write(
    [
      `report-open: ${resultsFile} (${results.task.n_items} items, ${results.pipelines.length} pipelines, ${results.sweep.length} sweep points; index.html ${(htmlBytes / 1024).toFixed(1)} KiB, rendered in ${summary.render_ms} ms)`,
      `  cold open (first page of a new browser): ${summary.cold_open_ms} ms to charts drawn`,
      `  warm opens (${report.warm.length}): median ${summary.warm_median_ms} ms, max ${summary.warm_max_ms} ms, min ${summary.warm_min_ms} ms; main-thread CPU median ${summary.main_thread_cpu_median_ms} ms`,
      `  blank page, same machine and run: cold ${summary.blank_cold_ms} ms, warm median ${summary.blank_warm_median_ms} ms (report/blank ${summary.ratio_warm_median_vs_blank}×), main-thread CPU median ${summary.blank_main_thread_cpu_median_ms} ms`,
      `  target ≤ 2000 ms for every open: ${summary.meets_target ? "met" : "NOT met"} (worst ${Math.round(worst)} ms)`,
      `  load average (1 min) before/after: ${load1mBefore.toFixed(1)}/${load1mAfter.toFixed(1)} (${availableParallelism()} cores)`,
      report.problems.length === 0 ? "  no console errors, no foreign or failed requests" : `  problems: ${report.problems.join("; ")}`,
      "",
    ].join("\n"),
  );
}
