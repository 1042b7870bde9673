/**
 * `frugal distill --task T`: a candidate compact model from the ledger (LLM answers of a task that stores bodies, gold
 * feedback), compared with the served model on held-out rows — LLM-labeled and gold apart — certified at the same ε, and
 * registered as a new version with status `candidate` (the gateway shadows it; `frugal promote` serves it). Thin over
 * src/improve/distill-task.ts.
 */
import { copyFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { DistillTaskResult } from "../../improve/distill-task.ts";
import type { SourceEvaluation } from "../../improve/distill-core.ts";
import { numberOption, runCommand } from "../run-command.ts";
import { DATA_DIR_OPTION, openCliStores } from "./store-flags.ts";

interface DistillFlags {
  task: string;
  config: string;
  dataDir: string;
  since?: string;
  epsilon?: string;
  out?: string;
  json?: boolean;
}

const pct = (v: number | null): string => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);

function evaluation(e: SourceEvaluation | undefined): string {
  if (e === undefined || e.n === 0) return "no rows";
  const ci = e.accuracyCi95 === null ? "" : ` [${pct(e.accuracyCi95[0])}, ${pct(e.accuracyCi95[1])}]`;
  const what = e.against === "LLM labels" ? "agreement" : "accuracy";
  return `${what} ${pct(e.accuracy)}${ci}, keeps ${pct(e.coverage)} with kept error ${pct(e.keptError)}`;
}

function describe(result: DistillTaskResult): string {
  const { report, version, ledgerRows: l } = result;
  const s = report.sizes;
  const c = report.candidate.certificate;
  const cur = report.current;
  const lines = [
    `distilled task ${report.task}: candidate ${version.version} registered (compared with ${result.against})`,
    `ledger: ${l.taskRows} task rows, ${l.withBody} with bodies, ${l.llmAnswered} answered by the LLM; ${l.feedback} feedback (${l.feedbackWithoutInput} without a stored input)`,
    `rows: train seed ${s.train.seed} / llm ${s.train.llm} / gold ${s.train.gold}; calibration ${s.calibration.seed + s.calibration.llm + s.calibration.gold}; held out llm ${s.heldOut.llm}, gold ${s.heldOut.gold}, seed ${s.heldOut.seed}`,
    "held-out rows (LLM labels: agreement with the LLM; gold and seed: accuracy):",
  ];
  for (const source of ["llm", "gold", "seed"] as const) {
    if (s.heldOut[source] === 0) continue;
    lines.push(`  ${source.padEnd(4)} n=${s.heldOut[source]}  candidate: ${evaluation(report.candidate.heldOut[source])}`);
    if (cur !== null) lines.push(`  ${"".padEnd(4)} ${"".padEnd(`n=${s.heldOut[source]}`.length)}  current:   ${evaluation(cur.heldOut[source])}`);
  }
  lines.push(
    `certificate at ε=${report.epsilon} (${report.confidenceLevel} confidence, ${c.rows} calibration rows, ${c.against}): ` +
      (c.certified ? `threshold ${c.threshold?.toFixed(4)}, coverage ${pct(c.coverage)}` : "nothing certified (every answer would escalate)") +
      (cur === null ? "" : `; current: ${cur.certificate.certified ? `coverage ${pct(cur.certificate.coverage)}` : "nothing certified"}`),
  );
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(
    report.promotion.candidateBetter
      ? `the candidate keeps more at the same ε: \`frugal promote --task ${report.task}\` serves it (a running gateway shadows it meanwhile)`
      : `the candidate does not keep more at the same ε than the served model: left as a candidate (shadowed by a running gateway)`,
  );
  return `${lines.join("\n")}\n`;
}

export function registerDistillCommand(program: Command): void {
  program
    .command("distill")
    .description("train a candidate compact model from the ledger (LLM answers + gold feedback), compare it with the served one, register it")
    .requiredOption("--task <name>", "the classify or extract task to distill (its store_bodies must be on)")
    .option("--config <frugal.yaml>", "the gateway config", "frugal.yaml")
    .option(...DATA_DIR_OPTION)
    .option("--since <iso>", "only ledger rows from this instant on (ISO 8601)")
    .option("--epsilon <e>", "the kept-error bound to certify (default: the served model's ε, else 0.02)")
    .option("--out <file>", "also copy the candidate's model file here")
    .option("--json", "the distillation report as one JSON object")
    .action(
      runCommand(async (flags: DistillFlags) => {
        const epsilon = numberOption("--epsilon", flags.epsilon, { min: 1e-6, max: 0.999 });
        const [{ loadConfigFile }, { gatewayConfigSchema }, { distillTask }, { openRegistry }, { createCompactLoader }] = await Promise.all([
          import("../../core/config-file.ts"),
          import("../../gateway/config.ts"),
          import("../../improve/distill-task.ts"),
          import("../../improve/registry.ts"),
          import("../../pipeline/compact-loader-impl.ts"),
        ]);
        const config = loadConfigFile(gatewayConfigSchema, flags.config);
        const dataDir = resolve(flags.dataDir);
        const stores = await openCliStores({ dataDir, config: flags.config }, { create: false });
        try {
          const registry = openRegistry(dataDir);
          // The one dispatch point: extract tasks distill an extractor (src/improve/distill-extract.ts).
          if (config.tasks.find((t) => t.name === flags.task)?.kind === "extract") {
            const [{ distillExtractTask }, { describeExtract }] = await Promise.all([import("../../improve/distill-extract.ts"), import("./distill-extract-view.ts")]);
            const result = await distillExtractTask({ config, baseDir: dirname(resolve(flags.config)), task: flags.task, ledger: stores.ledger, registry, compactLoader: createCompactLoader(), where: `the ledger of ${dataDir}`, ...(flags.since !== undefined ? { since: flags.since } : {}), ...(epsilon !== undefined ? { epsilon } : {}) });
            if (flags.out !== undefined) copyFileSync(join(registry.dir, flags.task, result.version.file), flags.out);
            process.stdout.write(flags.json === true ? `${JSON.stringify({ version: result.version.version, against: result.against, ledger: result.ledgerRows, report: result.report })}\n` : describeExtract(result));
            return;
          }
          const result = await distillTask({
            config,
            baseDir: dirname(resolve(flags.config)),
            task: flags.task,
            ledger: stores.ledger,
            registry,
            compactLoader: createCompactLoader(),
            where: `the ledger of ${dataDir}`,
            ...(flags.since !== undefined ? { since: flags.since } : {}),
            ...(epsilon !== undefined ? { epsilon } : {}),
            onProgress: (p) => {
              if (flags.json !== true && p.done === p.total && p.stage !== "train") process.stderr.write(`${p.stage}: done\n`);
            },
          });
          if (flags.out !== undefined) copyFileSync(join(registry.dir, flags.task, result.version.file), flags.out);
          if (flags.json === true) process.stdout.write(`${JSON.stringify({ version: result.version.version, against: result.against, ledger: result.ledgerRows, report: result.report })}\n`);
          else process.stdout.write(describe(result));
        } finally {
          await stores.close();
        }
      }),
    );
}
