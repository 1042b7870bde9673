/** The report's public API: render or write a PoC report from results (schema frugal.poc/v1), read a results file. */
export { renderReport, writeReport, type RenderedReport, type WriteReportOptions, type WrittenReport } from "./write-report.ts";
export { parseResults, readResultsFile } from "./read-results.ts";
export { buildReportModel, type ReportModel, type ReportOptions } from "./report-model.ts";
export { renderSummaryMarkdown } from "./markdown.ts";
export { stableStringify } from "./stable-json.ts";
