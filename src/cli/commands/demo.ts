/**
 * `frugal demo` (= `npm run demo`): the BANKING77 PoC of examples/banking77/poc.yaml, offline: trains the compact classifier
 * (or reuses the cached one), runs `dense` (a modeled 70B LLM) and `frugal` (cache → compact → the same LLM) under a
 * Poisson load, prints the summary and the report's path. With FRUGAL_LLM_BASE_URL set, the LLM tier is measured for real.
 */
import type { Command } from "commander";
import { fileURLToPath } from "node:url";
import { errColors as pc } from "../colors.ts";
import { runCommand } from "../run-command.ts";
import { pocAction, type PocFlags } from "./poc.ts";

export const DEMO_CONFIG = fileURLToPath(new URL("../../../examples/banking77/poc.yaml", import.meta.url));

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("the offline BANKING77 demo: dense LLM vs cache → compact → LLM, under load, with a report")
    .option("--out <dir>", "report folder", "frugal-report")
    .option("--fresh", "measure everything again instead of resuming from the results file")
    .option("--max-items <n>", "cap the requests per pipeline (a quick look)")
    .option("--json", "print one JSON object instead of the table")
    .action(
      runCommand(async (flags: PocFlags) => {
        if (flags.json !== true) {
          const measured = process.env.FRUGAL_LLM_BASE_URL;
          process.stderr.write(
            pc.dim(
              measured === undefined || measured.trim() === ""
                ? "frugal demo: BANKING77, offline. The LLM tier is modeled (cost, latency, energy from the catalog and planner; quality not measured).\nSet FRUGAL_LLM_BASE_URL (+ FRUGAL_LLM_MODEL, FRUGAL_LLM_API_KEY) to measure it against an OpenAI-compatible endpoint.\n"
                : `frugal demo: BANKING77, LLM tier measured against ${measured}.\n`,
            ),
          );
        }
        await pocAction(DEMO_CONFIG, flags);
      }),
    );
}
