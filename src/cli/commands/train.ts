/**
 * `frugal train classify --data <file> --out <model>`: trains, calibrates, quantizes and certifies a compact classifier
 * (certified: kept error ≤ ε with the stated confidence, for requests exchangeable with the held-out calibration split).
 * Thin over `trainClassifierFile` (src/compact). `registerTrainCommand` returns the `train` command so other model kinds add
 * their subcommand with one line in commands/index.ts (e.g. `registerTrainExtractCommand(train)`).
 */
import type { Command } from "commander";
import { outColors as pc } from "../colors.ts";
import type { TrainingSummary, TrainProgress } from "../../compact/index.ts";
import { createProgressBar } from "../progress.ts";
import { numberOption, runCommand } from "../run-command.ts";

interface TrainClassifyFlags {
  data: string;
  out: string;
  textCol?: string;
  labelCol?: string;
  groupCol?: string;
  maxError?: string;
  confidence?: string;
  floatOut?: string;
  seed?: string;
  json?: boolean;
}

// One bar for the whole run: featurizing is quick, epochs are the bulk, calibration is a blink.
const STAGE_SPAN: Record<TrainProgress["stage"], [number, number]> = { featurize: [0, 10], train: [10, 97], calibrate: [97, 100] };

function formatSummary(s: TrainingSummary): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const threshold = s.certified
    ? `${s.threshold?.toFixed(4)}: certified, kept answers have error <= ${s.max_error} with ${pct(s.confidence_level)} confidence (Clopper-Pearson bound on the calibration split ${s.error_upper_bound.toFixed(4)}), for requests exchangeable with the calibration split`
    : `${pc.yellow("none certified")}: ${s.calibration_size} calibration examples cannot show error <= ${s.max_error} at ${pct(s.confidence_level)} confidence, so every answer escalates (more data or a larger --max-error helps)`;
  return [
    `${pc.green("trained")} ${s.out} (${(s.model_bytes / 1e6).toFixed(2)} MB, int8)`,
    `  examples             ${s.examples}: ${s.train_size} train the weights, ${s.validation_size} validate (early stopping, temperature), ${s.calibration_size} held out to certify the threshold`,
    `  labels               ${s.labels}`,
    `  time                 ${s.seconds.toFixed(1)} s (${s.epochs} epochs, ${s.features} features)`,
    `  calibration accuracy ${s.calibration_accuracy.toFixed(4)} (the served model, on examples it never trained on)`,
    `  threshold            ${threshold}`,
    `  expected coverage    ${pct(s.expected_coverage)} of requests answered by this model, the rest escalate`,
    ...(s.certified ? [`  assumption           ${s.assumption}`] : []),
  ].join("\n");
}

export async function trainClassifyAction(flags: TrainClassifyFlags): Promise<void> {
  const maxError = numberOption("--max-error", flags.maxError, { min: 0.0001, max: 0.5 });
  const confidence = numberOption("--confidence", flags.confidence, { min: 0.5, max: 0.9999 });
  const seed = numberOption("--seed", flags.seed, { integer: true, min: 0 });
  const { trainClassifierFile } = await import("../../compact/index.ts"); // loaded by this command only
  const bar = createProgressBar("train", 100);
  let result;
  try {
    result = await trainClassifierFile({
      data: flags.data,
      out: flags.out,
      ...(flags.textCol === undefined ? {} : { textCol: flags.textCol }),
      ...(flags.labelCol === undefined ? {} : { labelCol: flags.labelCol }),
      ...(flags.groupCol === undefined ? {} : { groupCol: flags.groupCol }),
      ...(flags.floatOut === undefined ? {} : { floatOut: flags.floatOut }),
      ...(maxError === undefined ? {} : { maxError }),
      ...(confidence === undefined ? {} : { confidenceLevel: confidence }),
      ...(seed === undefined ? {} : { seed }),
      onProgress: ({ stage, done, total }) => {
        const [from, to] = STAGE_SPAN[stage];
        bar.update(Math.round(from + ((to - from) * done) / Math.max(1, total)), 100, stage === "train" ? `epoch ${done}` : stage);
      },
    });
  } finally {
    bar.stop();
  }
  if (flags.json === true) process.stdout.write(`${JSON.stringify(result.summary)}\n`);
  else process.stdout.write(`${formatSummary(result.summary)}\n`);
}

export function registerTrainCommand(program: Command): Command {
  const train = program.command("train").description("train a compact model (run `frugal train <kind> --help`)");
  train
    .command("classify")
    .description(
      "train a compact text classifier: calibrated, int8, with an escalation threshold certified on a held-out calibration split " +
        "(kept error <= --max-error at --confidence, for requests exchangeable with that split; a shift voids it)",
    )
    .requiredOption("--data <file>", "CSV with a header row, or JSONL {\"text\", \"label\"}")
    .requiredOption("--out <model-file>", "model file to write")
    .option("--text-col <name>", "text column (default: text)")
    .option("--label-col <name>", "label column (default: label; a CSV with `category` and no `label` uses `category`)")
    .option("--group-col <name>", "group column (document, conversation...): keeps each group in one split, so the certificate is about new groups")
    .option("--max-error <eps>", "highest error rate allowed among the answers the model keeps, certified for data like the calibration split (default 0.02)")
    .option("--confidence <level>", "confidence level of that bound (default 0.95)")
    .option("--float-out <file>", "also write the float32 model, for comparisons with `frugal eval`")
    .option("--seed <n>", "random seed for splits and training (default fixed)")
    .option("--json", "print the summary as one JSON object")
    .action(runCommand(trainClassifyAction));
  return train;
}
