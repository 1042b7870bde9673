/**
 * Writes a PoC report folder: results.json (pretty, stable key order), summary.md and a self-contained index.html. The
 * results are checked first (parseResults), so a malformed file fails with its key path instead of rendering wrong.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { FrugalError } from "../core/errors.ts";
import type { PocResults } from "../results/types.ts";
import { loadReportAssets } from "./assets.ts";
import { renderReportHtml } from "./html.ts";
import { renderSummaryMarkdown } from "./markdown.ts";
import { parseResults } from "./read-results.ts";
import { buildReportModel, type ReportOptions } from "./report-model.ts";
import { stableStringify } from "./stable-json.ts";

export interface WriteReportOptions extends ReportOptions {
  /** Skip writing results.json, e.g. when the runner already wrote it in the same folder. Default false. */
  skipResultsJson?: boolean;
}

export interface WrittenReport {
  indexHtml: string;
  summaryMd: string;
  resultsJson: string;
}

export interface RenderedReport {
  html: string;
  markdown: string;
  json: string;
}

/** Renders without touching the disk: for tests, and for callers that store reports elsewhere. */
export function renderReport(results: PocResults, options: ReportOptions = {}): RenderedReport {
  const checked = parseResults(results);
  const model = buildReportModel(checked, options);
  return { html: renderReportHtml(model, loadReportAssets()), markdown: renderSummaryMarkdown(model), json: stableStringify(checked) };
}

/**
 * Each file is written to a temporary name then renamed, so a crash or Ctrl-C mid-write never leaves a half report that
 * looks complete.
 */
function writeAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, "utf8");
  renameSync(temporary, path);
}

export function writeReport(results: PocResults, outDir: string, options: WriteReportOptions = {}): WrittenReport {
  const rendered = renderReport(results, options);
  const dir = resolve(outDir);
  const paths: WrittenReport = {
    indexHtml: join(dir, "index.html"),
    summaryMd: join(dir, "summary.md"),
    resultsJson: join(dir, "results.json"),
  };
  try {
    mkdirSync(dir, { recursive: true });
    if (options.skipResultsJson !== true) writeAtomic(paths.resultsJson, rendered.json);
    writeAtomic(paths.summaryMd, rendered.markdown);
    writeAtomic(paths.indexHtml, rendered.html);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FrugalError("input_invalid", `cannot write the report to ${dir}: ${reason}`, { cause: error, details: { file: dir } });
  }
  return paths;
}
