/**
 * `frugal train extract --data <jsonl> --out <model>`: trains the compact field extractor (src/compact/extract). Thin: read
 * the labeled documents, train with a progress bar, write the model file, print a summary (or one JSON object).
 */
import type { Command } from "commander";
import { errColors as pc } from "../colors.ts";
import { FrugalError } from "../../core/errors.ts";
import type { TrainExtractorReport } from "../../compact/extract/index.ts";
import { createProgressBar } from "../progress.ts";
import { numberOption, runCommand } from "../run-command.ts";

interface TrainExtractFlags {
  data: string;
  out: string;
  maxError?: string;
  confidence?: string;
  fields?: string;
  maxChars?: string;
  folds?: string;
  epochs?: string;
  seed?: string;
  topLines?: string;
  memory: boolean;
  json?: boolean;
}

/** At most this many warnings are printed one per line; the rest are counted. */
const SHOWN_WARNINGS = 5;

export function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings.slice(0, SHOWN_WARNINGS)) process.stderr.write(`${pc.yellow("warning:")} ${w}\n`);
  if (warnings.length > SHOWN_WARNINGS) process.stderr.write(`${pc.yellow("warning:")} ... and ${warnings.length - SHOWN_WARNINGS} more\n`);
}

function formatSummary(report: TrainExtractorReport, out: string, bytes: number): string {
  const pct = (x: number | null): string => (x === null ? "-" : x.toFixed(3));
  const rows = report.fields.map((f) => [
    f.name,
    f.spec.type,
    pct(f.candidateRecall),
    pct(f.heldOutAccuracy),
    pct(f.calibrationAccuracy),
    f.threshold === null ? "none" : f.threshold.toFixed(4),
    f.threshold === null ? "0 (always escalates)" : pct(f.expectedCoverage),
  ]);
  const header = ["field", "type", "recall", "cv acc", "calibration acc", "threshold", "expected coverage"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  // A certificate needs this many kept calibration answers without one error (two test sequences at δ/2 each).
  const needed = Math.ceil(Math.log((1 - report.confidence) / 2) / Math.log1p(-report.maxError));
  const uncertified = report.fields.filter((f) => f.threshold === null);
  const tooFew = uncertified.filter((f) => f.calibrationSize < needed).map((f) => f.name);
  return [
    `trained an extractor on ${report.documents} documents (${report.fields.length} fields) in ${(report.trainMs / 1000).toFixed(1)} s -> ${out} (${(bytes / 1024).toFixed(0)} KB)`,
    line(header),
    ...rows.map(line),
    `${report.fitDocuments} documents trained the rankers (cv acc: ${report.folds}-fold cross-validation among them); ${report.calibrationDocuments} were held out and answered by the served model (calibration acc) to certify the thresholds`,
    `certified: kept answers have error <= ${report.maxError} with ${report.confidence} confidence, for documents exchangeable with the calibration split (a shift in layout, source or annotation voids it)`,
    ...(tooFew.length === 0
      ? []
      : [`${pc.yellow("not certifiable")} ${tooFew.join(", ")}: ${report.maxError} needs at least ${needed} kept calibration answers without an error; a larger --max-error or more labeled documents helps`]),
    "recall: share of documents whose labeled value is among the candidates; accuracy: exact match after trim, whitespace collapse, lower-case",
  ].join("\n");
}

export async function trainExtractAction(flags: TrainExtractFlags): Promise<void> {
  const maxError = numberOption("--max-error", flags.maxError, { min: 0.0001, max: 0.5 });
  const confidence = numberOption("--confidence", flags.confidence, { min: 0.5, max: 0.9999 });
  const maxChars = numberOption("--max-chars", flags.maxChars, { integer: true, min: 100 });
  const folds = numberOption("--folds", flags.folds, { integer: true, min: 2, max: 20 });
  const epochs = numberOption("--epochs", flags.epochs, { integer: true, min: 1, max: 200 });
  const seed = numberOption("--seed", flags.seed, { integer: true, min: 0 });
  const topLines = numberOption("--top-lines", flags.topLines, { integer: true, min: 1, max: 50 });
  // Loaded by this command only (and not by `frugal eval`/`predict`, which import printWarnings from here).
  const [{ hashDocuments, readLabeledDocuments }, { saveExtractor, trainExtractor }] = await Promise.all([
    import("../../data/labeled-documents.ts"),
    import("../../compact/extract/index.ts"),
  ]);
  const set = readLabeledDocuments(flags.data, maxChars === undefined ? {} : { maxChars });
  printWarnings(set.warnings);
  const fields = flags.fields?.split(",").map((f) => f.trim()).filter((f) => f !== "");
  if (fields !== undefined && fields.length === 0) throw new FrugalError("input_invalid", "--fields: give a comma-separated list of field names");
  const bar = createProgressBar("train", 1);
  let result;
  try {
    result = trainExtractor({
      documents: set.documents,
      dataHash: hashDocuments(set.documents),
      memory: flags.memory,
      onProgress: (done, total, info) => bar.update(done, total, info),
      ...(fields === undefined ? {} : { fields }),
      ...(maxError === undefined ? {} : { maxError }),
      ...(confidence === undefined ? {} : { confidence }),
      ...(maxChars === undefined ? {} : { maxChars }),
      ...(folds === undefined ? {} : { folds }),
      ...(epochs === undefined ? {} : { epochs }),
      ...(seed === undefined ? {} : { seed }),
      ...(topLines === undefined ? {} : { topLines }),
    });
  } finally {
    bar.stop();
  }
  const bytes = saveExtractor(result.extractor, flags.out);
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify({ model: flags.out, bytes, missing: set.missing, truncated: set.truncated, ...result.report })}\n`);
  } else {
    process.stdout.write(`${formatSummary(result.report, flags.out, bytes)}\n`);
  }
}

/** Adds `extract` under the `train` command (the classifier's file owns `train` itself). */
export function registerTrainExtractCommand(train: Command): void {
  train
    .command("extract")
    .description(
      "train a compact field extractor from JSONL {text, fields}: calibrated, with per-field thresholds certified on a held-out " +
        "calibration split (kept error <= --max-error at --confidence, for documents exchangeable with that split)",
    )
    .requiredOption("--data <file>", "JSONL, one {\"text\": ..., \"fields\": {\"name\": \"value\"}} per line")
    .requiredOption("--out <file>", "model file to write")
    .option("--max-error <eps>", "target error rate among the answers each field keeps, certified for documents like the calibration split (default 0.05)")
    .option("--confidence <level>", "confidence level of that bound (default 0.95)")
    .option("--fields <names>", "comma-separated fields to learn (default: all labeled fields)")
    .option("--max-chars <n>", "truncate longer texts, with a warning (default 20000)")
    .option("--folds <k>", "cross-validation folds, among the fitting documents, for the confidence calibration and memory policy (default 5)")
    .option("--epochs <n>", "ranker training epochs (default 12)")
    .option("--seed <n>", "random seed (default 1)")
    .option("--top-lines <n>", "ranked lines kept per field for prompt reduction (default 3)")
    .option("--no-memory", "do not use the memory of training values for text fields")
    .option("--json", "print one JSON object")
    .action(runCommand(trainExtractAction));
}
