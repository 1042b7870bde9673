/**
 * The extractor branch of `frugal eval`: `frugal eval --model <extractor> --data <jsonl> [--json]`. eval.ts (the classifier's)
 * dispatches here when the model file's kind is "extractor". With --json: exactly one JSON object on stdout.
 */
import { evaluateExtractor, loadCompactExtractor, type ExtractEvalReport } from "../../compact/extract/index.ts";
import { readLabeledDocuments } from "../../data/labeled-documents.ts";
import { createProgressBar } from "../progress.ts";
import { numberOption } from "../run-command.ts";
import { printWarnings } from "./train-extract.ts";

export interface EvalExtractFlags {
  model: string;
  data: string;
  json?: boolean;
  maxChars?: string;
}

/** What the model file says its thresholds are certified for (older files: cross-validation of fold models, no holdout). */
function certificateLine(training: Record<string, unknown>): string {
  const { maxError, confidence, calibrationMethod } = training;
  if (calibrationMethod !== "holdout") {
    return "thresholds: fitted and tested on cross-validation answers of fold models (a model from before issue 9): not a certificate about this model; retrain";
  }
  return `thresholds: certified at training, kept error <= ${String(maxError)} with ${String(confidence)} confidence, for documents exchangeable with its calibration split`;
}

function formatReport(report: ExtractEvalReport, certificate: string): string {
  const rows = Object.entries(report.fields).map(([name, f]) =>
    [name, String(f.n), f.accuracy.toFixed(3), f.threshold === null ? "none" : f.threshold.toFixed(4), f.coverage.toFixed(3), f.selective_accuracy === null ? "-" : f.selective_accuracy.toFixed(3)],
  );
  const header = ["field", "n", "accuracy", "threshold", "coverage", "selective acc"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const selective = report.selective_accuracy === null ? "-" : report.selective_accuracy.toFixed(3);
  return [
    `${report.n} documents, ${report.decisions} field decisions`,
    line(header),
    ...rows.map(line),
    `mean field accuracy ${report.mean_field_accuracy.toFixed(3)}; at the per-field thresholds: coverage ${report.coverage.toFixed(3)}, selective accuracy ${selective}`,
    certificate,
    `latency per document: p50 ${report.latency_us.p50} us, p99 ${report.latency_us.p99} us (in-process, all fields)`,
    "accuracy: exact match after trim, whitespace collapse, lower-case",
  ].join("\n");
}

export async function evalExtractAction(flags: EvalExtractFlags): Promise<void> {
  const maxChars = numberOption("--max-chars", flags.maxChars, { integer: true, min: 100 });
  const warnings: string[] = [];
  const extractor = loadCompactExtractor(flags.model, maxChars === undefined ? {} : { maxChars });
  const set = readLabeledDocuments(flags.data, maxChars === undefined ? {} : { maxChars });
  const unknown = set.fields.filter((f) => !extractor.fields.includes(f));
  if (unknown.length > 0) warnings.push(`${flags.data}: fields the model does not extract are ignored: ${unknown.join(", ")}`);
  const unlabeled = extractor.fields.filter((f) => !set.fields.includes(f));
  if (unlabeled.length > 0) warnings.push(`${flags.data}: no labels for ${unlabeled.join(", ")}; those fields are not scored`);
  printWarnings([...set.warnings, ...warnings]);
  const bar = createProgressBar("eval", set.documents.length);
  let report: ExtractEvalReport;
  try {
    report = evaluateExtractor(extractor, set.documents, { onProgress: (done, total) => bar.update(done, total) });
  } finally {
    bar.stop();
  }
  if (flags.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${formatReport(report, certificateLine(extractor.parts.training))}\n`);
}
