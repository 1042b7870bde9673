/**
 * `frugal train cache --pairs <jsonl> --max-wrong-hit δ --out <model>`: trains the semantic cache's hit verifier on labeled
 * question pairs and certifies its acceptance threshold so that wrong hits / lookups ≤ δ (95% confidence) on lookups
 * exchangeable with the calibration split. Thin over src/cache/semantic/train.ts.
 */
import type { Command } from "commander";
import { outColors as pc } from "../colors.ts";
import { FrugalError } from "../../core/errors.ts";
import { createProgressBar } from "../progress.ts";
import { numberOption, runCommand } from "../run-command.ts";
import type { TrainSemanticCacheResult } from "../../cache/semantic/train.ts";

interface TrainCacheFlags {
  pairs: string;
  maxWrongHit: string;
  out: string;
  seed?: string;
  confidence?: string;
  hiddenUnits?: string;
  json?: boolean;
}

const STAGES = { fit: [0, 10], examples: [10, 40], train: [40, 60], calibrate: [60, 100] } as const;

function formatSummary(r: TrainSemanticCacheResult, out: string): string {
  const { meta, calibration: c } = r;
  const cert = meta.certificate;
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const threshold = cert.certified
    ? `${cert.threshold.toFixed(4)}: certified, wrong hits / lookups <= ${cert.maxWrongHitRate} with ${pct(cert.confidenceLevel)} confidence (Clopper-Pearson bound on the calibration lookups ${cert.wrongHitUpperBound.toFixed(4)}), for lookups exchangeable with the calibration split`
    : `${pc.yellow("none certified")}: the cache never hits (a larger --max-wrong-hit or more pairs helps)`;
  return [
    `${pc.green("trained")} ${out} (${(r.bytes / 1e6).toFixed(2)} MB; verifier: ${meta.verifier.kind}${meta.verifier.hiddenUnits > 0 ? `, ${meta.verifier.hiddenUnits} hidden units` : ""})`,
    `  pairs            ${meta.splits.train + meta.splits.calibration + meta.splits.test} split by question (${meta.splits.method}): ${meta.splits.train} train, ${meta.splits.calibration} calibrate, ${meta.splits.test} held out for testing`,
    `  time             ${meta.training.seconds.toFixed(1)} s (${meta.training.examples} verifier examples)`,
    `  threshold        ${threshold}`,
    `  certified on     ${meta.calibration.data}: ${meta.calibration.lookups} lookups against ${meta.calibration.stored_entries} stored questions`,
    `  calibration      ${c.hits} hits, ${c.wrong_hits} wrong (${pct(c.wrong_hit_rate)} of lookups), ${pct(c.hit_rate_duplicates)} of the ${c.duplicates} duplicate lookups answered`,
    `  next             frugal eval cache --model ${out} --pairs <file> --holdout   (the ${meta.splits.test} test pairs neither step saw)`,
  ].join("\n");
}

export async function trainCacheAction(flags: TrainCacheFlags): Promise<void> {
  const delta = numberOption("--max-wrong-hit", flags.maxWrongHit) as number;
  if (!(delta > 0 && delta < 0.5)) throw new FrugalError("input_invalid", `--max-wrong-hit: expected a number > 0 and < 0.5, got "${flags.maxWrongHit}"`);
  const confidence = numberOption("--confidence", flags.confidence, { min: 0.5, max: 0.9999 });
  const seed = numberOption("--seed", flags.seed, { integer: true, min: 0 });
  const hiddenUnits = numberOption("--hidden-units", flags.hiddenUnits, { integer: true, min: 0, max: 128 });
  if (hiddenUnits !== undefined && hiddenUnits % 16 !== 0) throw new FrugalError("input_invalid", `--hidden-units: expected 0 (logistic regression) or a multiple of 16, got ${hiddenUnits}`);
  const [{ readPairs }, { trainSemanticCache }] = await Promise.all([import("../../cache/semantic/pairs.ts"), import("../../cache/semantic/train.ts")]);
  const pairs = readPairs(flags.pairs);
  const bar = createProgressBar("train cache", 100);
  let result: TrainSemanticCacheResult;
  try {
    result = trainSemanticCache({
      pairs,
      out: flags.out,
      maxWrongHitRate: delta,
      ...(confidence === undefined ? {} : { confidenceLevel: confidence }),
      ...(seed === undefined ? {} : { seed }),
      ...(hiddenUnits === undefined ? {} : { hiddenUnits }),
      onProgress: (stage, done, total) => {
        const [from, to] = STAGES[stage];
        bar.update(Math.round(from + ((to - from) * done) / Math.max(1, total)), 100, stage);
      },
    });
  } finally {
    bar.stop();
  }
  if (flags.json === true) process.stdout.write(`${JSON.stringify({ model: flags.out, bytes: result.bytes, ...result.meta, calibration_score: result.calibration })}\n`);
  else process.stdout.write(`${formatSummary(result, flags.out)}\n`);
}

/** Adds `cache` under the `train` command. */
export function registerTrainCacheCommand(train: Command): void {
  train
    .command("cache")
    .description(
      "train the semantic cache's hit verifier on labeled question pairs and certify its threshold: wrong hits / lookups <= " +
        "--max-wrong-hit with 95% confidence, for lookups exchangeable with the held-out calibration split",
    )
    .requiredOption("--pairs <file>", 'JSONL, one {"text_a": ..., "text_b": ..., "label": 0|1} per line')
    .requiredOption("--max-wrong-hit <delta>", "highest share of lookups answered with a wrong cached answer, in (0, 0.5)")
    .requiredOption("--out <file>", "model file to write")
    .option("--seed <n>", "seed of the train/calibration/test split by question (default 1)")
    .option("--confidence <level>", "confidence level of the bound (default 0.95)")
    .option("--hidden-units <n>", "verifier: 0 for logistic regression, or hidden ReLU units, a multiple of 16 (default 16)")
    .option("--json", "print one JSON object")
    .action(runCommand(trainCacheAction));
}
