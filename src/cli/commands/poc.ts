/**
 * `frugal poc <poc.yaml> [--out frugal-report] [--fresh]`: runs the PoC protocol (src/poc) and writes the report. Thin:
 * progress bars on stderr, Ctrl-C turned into an abort signal (the runner drains, aborts what is left and writes a partial
 * report; exit 130), the summary table or one JSON object on stdout. A dead endpoint fails the preflight (exit 3); a
 * pipeline past its failure limit stops the run (partial report, then one `error:` line and exit 4).
 */
import type { Command } from "commander";
import { errColors, outColors } from "../colors.ts";
import { FrugalError } from "../../core/errors.ts";
import type { PocEvent } from "../../poc/run-poc.ts";
import { createProgressBar, type ProgressBar } from "../progress.ts";
import { numberOption, runCommand } from "../run-command.ts";

export interface PocFlags {
  out: string;
  fresh?: boolean;
  maxItems?: string;
  json?: boolean;
}

/** Progress bars per stage, one at a time; warnings and stages as dim lines. Nothing when --json (stdout stays clean). */
function eventPrinter(quiet: boolean): { onEvent: (event: PocEvent) => void; stop: () => void } {
  let bar: ProgressBar | undefined;
  let current = "";
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
    current = "";
  };
  return {
    stop,
    onEvent(event) {
      if (event.type === "warning") {
        process.stderr.write(`${errColors.yellow("warning:")} ${event.message}\n`);
      } else if (event.type === "stage" || event.type === "pipeline") {
        stop();
        const what = event.type === "stage" ? event.message : `pipeline ${event.name}: ${event.total} requests${event.reference !== undefined ? ` (${event.reference})` : ""}`;
        if (!quiet) process.stderr.write(errColors.dim(`${what}\n`));
      } else if (event.type === "train") {
        if (current !== `train:${event.tier}`) {
          stop();
          current = `train:${event.tier}`;
          if (!quiet) process.stderr.write(errColors.dim(`training the compact model of tier ${event.tier}\n`));
          bar = createProgressBar(`train ${event.tier}`, event.total);
        }
        bar?.update(event.done, event.total);
      } else {
        if (current !== `run:${event.pipeline}`) {
          stop();
          current = `run:${event.pipeline}`;
          bar = createProgressBar(event.pipeline, event.total);
        }
        bar?.update(event.done, event.total);
      }
    },
  };
}

export async function pocAction(configFile: string, flags: PocFlags): Promise<void> {
  const maxItems = numberOption("--max-items", flags.maxItems, { integer: true, min: 1 });
  const quiet = flags.json === true;
  const printer = eventPrinter(quiet);
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    printer.stop();
    process.stderr.write(errColors.yellow("\ninterrupted: draining in-flight requests and writing a partial report (Ctrl-C again to quit now)\n"));
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    // Loaded here, not at the top: the runner pulls in the providers, tiers, meter and report, which every other command
    // would otherwise pay for at start-up.
    const [{ runPoc }, { formatSummaryTable }] = await Promise.all([import("../../poc/run-poc.ts"), import("../../poc/summary-table.ts")]);
    const outcome = await runPoc({
      configFile,
      outDir: flags.out,
      fresh: flags.fresh === true,
      signal: controller.signal,
      onEvent: printer.onEvent,
      ...(maxItems !== undefined ? { maxItems } : {}),
    });
    printer.stop();
    if (quiet) {
      const json = {
        report: outcome.report,
        results_file: outcome.resultsFile,
        interrupted: outcome.interrupted,
        ...(outcome.aborted !== undefined ? { aborted: outcome.aborted } : {}),
        recommendation: outcome.results.recommendation,
        pipelines: outcome.results.pipelines.map((p) => ({ name: p.name, metrics: p.metrics })),
      };
      process.stdout.write(`${JSON.stringify(json)}\n`);
    } else {
      process.stdout.write(`${formatSummaryTable(outcome.results)}\n\n`);
      if (outcome.aborted !== undefined) process.stdout.write(outColors.yellow(`partial report (stopped on failures): no comparison or recommendation is made\n`));
      else if (outcome.interrupted) process.stdout.write(outColors.yellow(`partial report (interrupted): rerun the same command to resume from ${outcome.resultsFile}\n`));
      process.stdout.write(`report: ${outcome.report.indexHtml}\n`);
    }
    if (controller.signal.aborted) {
      if (outcome.interrupted) process.exitCode = 130;
    } else if (outcome.aborted !== undefined) {
      throw new FrugalError("run_failed", `${outcome.aborted.reason}; partial report: ${outcome.report.indexHtml}`, { details: { ...outcome.aborted } });
    }
  } finally {
    printer.stop();
    process.off("SIGINT", onSigint);
  }
}

export function registerPocCommand(program: Command): void {
  program
    .command("poc")
    .description("run a proof of concept: pipelines under load over a labeled dataset, scored, costed, with a report")
    .argument("[config]", "the PoC config (poc.yaml)")
    .option("--out <dir>", "report folder (index.html, summary.md, results.json, the per-request results file)", "frugal-report")
    .option("--fresh", "measure everything again instead of resuming from the results file")
    .option("--max-items <n>", "cap the requests per pipeline (a quick look)")
    .option("--json", "print one JSON object (report paths, recommendation, metrics) instead of the table")
    .option("--print-schema", "print the JSON Schema of poc.yaml and exit")
    .action(
      runCommand(async (config: string | undefined, flags: PocFlags & { printSchema?: boolean }) => {
        if (flags.printSchema === true) {
          const { pocJsonSchemaText } = await import("../../poc/schema.ts");
          process.stdout.write(pocJsonSchemaText());
          return;
        }
        if (config === undefined) throw new FrugalError("input_invalid", "frugal poc: give the PoC config file (poc.yaml)");
        await pocAction(config, flags);
      }),
    );
}
