/**
 * `frugal eval --model <model-file> --data <file> [--json]`: measures a compact model on labeled data. The model file's kind
 * picks the branch (classifier here, extractor in eval-extract.ts); with --json, exactly one JSON object goes to stdout.
 */
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import type { ClassifierEvaluation } from "../../compact/index.ts";
import { createProgressBar } from "../progress.ts";
import { runCommand } from "../run-command.ts";

interface EvalFlags {
  model: string;
  data: string;
  textCol?: string;
  labelCol?: string;
  json?: boolean;
}

/** What the model file says its threshold is certified for, shown beside the measured error. */
interface Certificate {
  maxError: number;
  confidenceLevel: number;
  /** "holdout": on the served model's own scores; "out-of-fold": an older file, certified on smaller fold models. */
  calibration: "holdout" | "out-of-fold";
}

function formatEvaluation(e: ClassifierEvaluation, model: string, data: string, certificate: Certificate): string {
  const f = (x: number | null, digits = 4): string => (x === null ? "-" : x.toFixed(digits));
  const ci = e.error_at_threshold_ci95 === null ? "" : `, 95% interval ${f(e.error_at_threshold_ci95[0])}-${f(e.error_at_threshold_ci95[1])}`;
  const claim =
    certificate.calibration === "holdout"
      ? `certified at training: kept error <= ${certificate.maxError} with ${certificate.confidenceLevel} confidence, for data exchangeable with its calibration split`
      : "certified on out-of-fold scores of smaller fold models (a file from before issue 9): not a certificate about this model; retrain";
  const lines = [
    `${model} on ${data}: ${e.n} examples`,
    `  accuracy             ${f(e.accuracy)}`,
    `  macro-F1             ${f(e.macro_f1)}`,
    e.threshold === null
      ? "  threshold            none certified: every answer escalates"
      : `  threshold            ${f(e.threshold)} -> coverage ${f(e.coverage)}, selective accuracy ${f(e.selective_accuracy)} (error ${f(e.error_at_threshold)} on ${e.kept} kept${ci})`,
    ...(e.threshold === null ? [] : [`                       ${claim}`]),
    `  predict latency      p50 ${e.latency_us.p50.toFixed(1)} us, p99 ${e.latency_us.p99.toFixed(1)} us (single item, in-process)`,
  ];
  if (e.unknown_labels.length > 0) {
    const shown = e.unknown_labels.slice(0, 5).join(", ");
    lines.push(`  unknown labels       ${e.unknown_labels.length} label(s) the model never saw count as errors: ${shown}${e.unknown_labels.length > 5 ? ", ..." : ""}`);
  }
  lines.push("  coverage  accuracy  threshold");
  for (const p of e.curve.filter((p) => [0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1].some((c) => Math.abs(c - p.coverage) < 0.005))) {
    lines.push(`  ${p.coverage.toFixed(3).padEnd(8)}  ${p.accuracy.toFixed(4).padEnd(8)}  ${p.threshold.toFixed(4)}`);
  }
  return lines.join("\n");
}

async function evalClassifier(flags: EvalFlags): Promise<void> {
  const [{ evaluateClassifier, loadCompactClassifier }, { readLabeledTexts }] = await Promise.all([
    import("../../compact/index.ts"),
    import("../../data/labeled-texts.ts"),
  ]);
  const model = loadCompactClassifier(flags.model);
  const set = readLabeledTexts(flags.data, {
    ...(flags.textCol === undefined ? {} : { textCol: flags.textCol }),
    ...(flags.labelCol === undefined ? {} : { labelCol: flags.labelCol }),
  });
  const bar = createProgressBar("eval", set.examples.length);
  let evaluation: ClassifierEvaluation;
  try {
    evaluation = evaluateClassifier(model, set.examples, { onProgress: (done, total) => bar.update(done, total) });
  } finally {
    bar.stop();
  }
  if (flags.json === true) process.stdout.write(`${JSON.stringify(evaluation)}\n`);
  else {
    const { maxError, confidenceLevel } = model.meta.threshold;
    process.stdout.write(`${formatEvaluation(evaluation, flags.model, flags.data, { maxError, confidenceLevel, calibration: model.meta.training.calibration })}\n`);
  }
}

export async function evalAction(flags: Partial<EvalFlags>): Promise<void> {
  if (flags.model === undefined) throw new FrugalError("input_invalid", "required option '--model <model-file>' not specified");
  if (flags.data === undefined) throw new FrugalError("input_invalid", "required option '--data <file>' not specified");
  return evalModel({ ...flags, model: flags.model, data: flags.data });
}

async function evalModel(flags: EvalFlags): Promise<void> {
  // The model file says which evaluation runs; the libraries are loaded here, by this command only.
  const [{ CLASSIFIER_KIND, peekModelKind }, { EXTRACTOR_KIND }] = await Promise.all([import("../../compact/index.ts"), import("../../compact/extract/model.ts")]);
  const kind = peekModelKind(flags.model);
  switch (kind) {
    case CLASSIFIER_KIND:
      return evalClassifier(flags);
    case EXTRACTOR_KIND:
      return (await import("./eval-extract.ts")).evalExtractAction({ model: flags.model, data: flags.data, ...(flags.json === undefined ? {} : { json: flags.json }) });
    default:
      throw new FrugalError("model_file_invalid", `${flags.model}: unknown model kind "${kind}"`, { details: { file: flags.model } });
  }
}

/** Returns the `eval` command so other evaluations add a subcommand (`frugal eval cache`, commands/index.ts). */
export function registerEvalCommand(program: Command): Command {
  // --model and --data are checked in evalAction, not by commander: commander checks an ancestor's required options before a
  // subcommand runs, so required ones here would refuse `frugal eval cache --model M --pairs F`. Positional options keep
  // the options written after `cache` for the subcommand.
  return program
    .command("eval")
    .enablePositionalOptions()
    .description("evaluate a compact model on labeled data: accuracy, macro-F1, coverage at its threshold, latency (`eval cache`: a semantic cache)")
    .option("--model <model-file>", "model file from `frugal train` (required)")
    .option("--data <file>", "labeled data: CSV with a header row, or JSONL (required)")
    .option("--text-col <name>", "text column (default: text)")
    .option("--label-col <name>", "label column (default: label; a CSV with `category` and no `label` uses `category`)")
    .option("--json", "print exactly one JSON object")
    .action(runCommand(evalAction));
}
