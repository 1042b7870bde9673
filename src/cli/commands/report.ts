/**
 * `frugal report <results.json> --out <dir>`: (re)renders a PoC report from a results file, e.g. after editing the
 * recommendation or upgrading frugal, without rerunning the PoC. Thin over src/report.
 */
import type { Command } from "commander";
import { runCommand } from "../run-command.ts";

interface ReportFlags {
  out: string;
  title?: string;
  baseline?: string;
  json?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("render a PoC report (index.html, summary.md, results.json) from a results file")
    .argument("<results>", "a results.json written by `frugal poc` (schema frugal.poc/v1)")
    .option("--out <dir>", "folder to write the report to", "frugal-report")
    .option("--title <text>", "page title (default: the task's name)")
    .option("--baseline <pipeline>", "pipeline the others are compared to (default: the results' baseline, else \"dense\")")
    .option("--json", "print the written paths as one JSON object")
    .action(
      runCommand(async (resultsFile: string, flags: ReportFlags) => {
        const { readResultsFile, writeReport } = await import("../../report/index.ts"); // loaded by this command only
        const results = readResultsFile(resultsFile);
        const written = writeReport(results, flags.out, {
          ...(flags.title === undefined ? {} : { title: flags.title }),
          ...(flags.baseline === undefined ? {} : { baseline: flags.baseline }),
        });
        if (flags.json === true) process.stdout.write(`${JSON.stringify(written)}\n`);
        else process.stdout.write(`report: ${written.indexHtml}\nsummary: ${written.summaryMd}\nresults: ${written.resultsJson}\n`);
      }),
    );
}
