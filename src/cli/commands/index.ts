/** The list of commands, one register function per file. Add a command: one file, one line here. */
import type { Command } from "commander";
import { registerPlanCommand } from "./plan.ts";
import { registerReportCommand } from "./report.ts";
import { registerTrainCommand } from "./train.ts";
import { registerTrainExtractCommand } from "./train-extract.ts";
import { registerTrainCacheCommand } from "./train-cache.ts";
import { registerEvalCacheCommand } from "./eval-cache.ts";
import { registerEvalCommand } from "./eval.ts";
import { registerPredictCommand } from "./predict.ts";
import { registerPricesCommand } from "./prices.ts";
import { registerPocCommand } from "./poc.ts";
import { registerDemoCommand } from "./demo.ts";
import { registerServeCommand } from "./serve.ts";
import { registerKeysCommand } from "./keys.ts";
import { registerLedgerCommand } from "./ledger.ts";
import { registerDistillCommand } from "./distill.ts";
import { registerPromoteCommand } from "./promote.ts";
import { registerModelsCommand } from "./models.ts";
import { registerStatusCommand } from "./status.ts";

export function registerCommands(program: Command): void {
  registerPlanCommand(program);
  registerReportCommand(program);
  // Options written after a subcommand's name belong to that subcommand (`frugal eval cache --model M` is eval cache's
  // --model, not eval's); frugal has no program-wide options besides --version.
  program.enablePositionalOptions();
  const train = registerTrainCommand(program);
  registerTrainExtractCommand(train);
  registerTrainCacheCommand(train);
  registerEvalCacheCommand(registerEvalCommand(program));
  registerPredictCommand(program);
  registerPricesCommand(program);
  registerPocCommand(program);
  registerDemoCommand(program);
  registerServeCommand(program);
  registerKeysCommand(program);
  registerLedgerCommand(program);
  registerDistillCommand(program);
  registerPromoteCommand(program);
  registerModelsCommand(program);
  registerStatusCommand(program);
}
