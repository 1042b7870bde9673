/**
 * `frugal eval cache --model <model> --pairs <jsonl> [--holdout] [--json]`: runs the QQP README protocol (store every
 * text_a, look up every text_b) through the trained semantic cache and prints {lookups, hits, hit_rate_duplicates,
 * wrong_hits, wrong_hit_rate} with 95% Wilson intervals, under the `known` rule frugal certifies, with the literal README
 * rule's figures beside them (src/cache/semantic/protocol.ts says how each hit is scored).
 */
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import { percentile } from "../../core/percentile.ts";
import type { Interval } from "../../results/intervals.ts";
import { createProgressBar } from "../progress.ts";
import { runCommand } from "../run-command.ts";

interface EvalCacheFlags {
  model: string;
  pairs: string;
  holdout?: boolean;
  json?: boolean;
}

/** The measurement, without printing (tests and benches call this). */
export async function evalCache(flags: Omit<EvalCacheFlags, "json">) {
  const [{ readPairs, splitPairs, hashPairs }, { loadSemanticCacheModel }, { createSemanticIndex }, { runProtocol, scoreAt }] = await Promise.all([
    import("../../cache/semantic/pairs.ts"),
    import("../../cache/semantic/model-file.ts"),
    import("../../cache/semantic/semantic-index.ts"),
    import("../../cache/semantic/protocol.ts"),
  ]);
  const model = loadSemanticCacheModel(flags.model);
  const set = readPairs(flags.pairs);
  const sameFile = set.sha256 === model.meta.calibration.data_sha256;
  let pairs = set.pairs;
  if (flags.holdout === true) {
    // The model's own split, recomputed from its seed; the hash proves it is the very test split training set aside.
    pairs = splitPairs(set.pairs, model.meta.splits.seed).test;
    if (hashPairs(pairs) !== model.meta.splits.test_sha256) {
      throw new FrugalError("input_invalid", `${flags.pairs}: --holdout needs the file the model was trained on (${model.meta.calibration.data}); this one gives another test split`, {
        details: { file: flags.pairs },
      });
    }
  } else if (sameFile) {
    process.stderr.write(`warning: ${flags.pairs} is the file ${flags.model} was trained and certified on; add --holdout to measure only its held-out test pairs\n`);
  }
  const index = createSemanticIndex<string>({ embedder: model.embedder, verifier: model.verifier, candidates: model.meta.candidates, initialCapacity: pairs.length });
  const bar = createProgressBar("eval cache", 1);
  let outcomes;
  try {
    outcomes = runProtocol(index, pairs, (done, total) => bar.update(done, total));
  } finally {
    bar.stop();
  }
  const known = scoreAt(outcomes, model.threshold, "verified", "known");
  const strict = scoreAt(outcomes, model.threshold, "verified", "strict");
  const result = {
    model: flags.model,
    pairs: flags.pairs,
    held_out: flags.holdout === true,
    rule: "known",
    lookups: known.lookups,
    hits: known.hits,
    hit_rate_duplicates: known.hit_rate_duplicates,
    hit_rate_duplicates_ci95: known.hit_rate_duplicates_ci95,
    wrong_hits: known.wrong_hits,
    wrong_hit_rate: known.wrong_hit_rate,
    wrong_hit_rate_ci95: known.wrong_hit_rate_ci95,
    duplicates: known.duplicates,
    stored_entries: index.size,
    threshold: Number.isFinite(model.threshold) ? model.threshold : null,
    max_wrong_hit: model.meta.certificate.maxWrongHitRate,
    certified_on: `${model.meta.calibration.data} (${model.meta.calibration.lookups} calibration lookups)`,
    strict_readme_rule: { hits: strict.hits, wrong_hits: strict.wrong_hits, wrong_hit_rate: strict.wrong_hit_rate, wrong_hit_rate_ci95: strict.wrong_hit_rate_ci95, hit_rate_duplicates: strict.hit_rate_duplicates },
    lookup_latency_us: { p50: percentile(outcomes.latencyUs, 50), p99: percentile(outcomes.latencyUs, 99) },
  };
  return result;
}

export async function evalCacheAction(flags: EvalCacheFlags): Promise<void> {
  const result = await evalCache(flags);
  const strict = result.strict_readme_rule;
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const pct = (x: number, ci: Interval | null): string => `${(100 * x).toFixed(2)}%${ci === null ? "" : ` (95% ${(100 * ci[0]).toFixed(2)}-${(100 * ci[1]).toFixed(2)}%)`}`;
  process.stdout.write(
    [
      `${flags.model} on ${flags.pairs}${result.held_out ? " (held-out test pairs)" : ""}: ${result.lookups} lookups against ${result.stored_entries} stored questions`,
      `  hits                  ${result.hits} (${result.wrong_hits} wrong)`,
      `  wrong_hit_rate        ${pct(result.wrong_hit_rate, result.wrong_hit_rate_ci95)} of lookups (certified <= ${result.max_wrong_hit} on ${result.certified_on})`,
      `  hit_rate_duplicates   ${pct(result.hit_rate_duplicates, result.hit_rate_duplicates_ci95)} of the ${result.duplicates} duplicate lookups answered from the cache`,
      `  README's literal rule ${pct(strict.wrong_hit_rate, strict.wrong_hit_rate_ci95)} wrong (a hit on another pair's identical question counts as wrong there)`,
      `  lookup latency        p50 ${result.lookup_latency_us.p50.toFixed(0)} us, p99 ${result.lookup_latency_us.p99.toFixed(0)} us (embed + exact int8 search + verifier, in-process)`,
    ].join("\n") + "\n",
  );
}

/** Adds `cache` under the `eval` command. */
export function registerEvalCacheCommand(evalCommand: Command): void {
  evalCommand
    .command("cache")
    .description("evaluate a semantic cache model on labeled pairs (store every text_a, look up every text_b): hits, wrong-hit rate, with 95% intervals")
    .requiredOption("--model <model-file>", "model file from `frugal train cache`")
    .requiredOption("--pairs <file>", 'JSONL, one {"text_a", "text_b", "label"} per line')
    .option("--holdout", "evaluate only the test pairs the model set aside (the file must be the one it was trained on)")
    .option("--json", "print exactly one JSON object")
    .action(runCommand(evalCacheAction));
}
