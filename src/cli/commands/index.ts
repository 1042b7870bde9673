/** The list of commands, one register function per file. Add a command: one file, one line here. */
import type { Command } from "commander";
import { registerPlanCommand } from "./plan.ts";
import { registerReportCommand } from "./report.ts";
import { registerTrainCommand } from "./train.ts";
import { registerTrainExtractCommand } from "./train-extract.ts";
import { registerEvalCommand } from "./eval.ts";
import { registerPredictCommand } from "./predict.ts";
import { registerPricesCommand } from "./prices.ts";
import { registerPocCommand } from "./poc.ts";
import { registerDemoCommand } from "./demo.ts";
import { registerServeCommand } from "./serve.ts";
import { registerKeysCommand } from "./keys.ts";
import { registerLedgerCommand } from "./ledger.ts";

export function registerCommands(program: Command): void {
  registerPlanCommand(program);
  registerReportCommand(program);
  registerTrainExtractCommand(registerTrainCommand(program));
  registerEvalCommand(program);
  registerPredictCommand(program);
  registerPricesCommand(program);
  registerPocCommand(program);
  registerDemoCommand(program);
  registerServeCommand(program);
  registerKeysCommand(program);
  registerLedgerCommand(program);
}
