/**
 * The `frugal` command line: one file per command under src/cli/commands, each thin over library functions. This file only
 * wires them up and turns usage errors into exit code 2.
 */
import { Command, CommanderError } from "commander";
import { frugalVersion } from "../core/version.ts";
import { reportError } from "./run-command.ts";
import { registerCommands } from "./commands/index.ts";

export function buildProgram(): Command {
  const program = new Command("frugal")
    .description("Frugal-first AI: compact model, cache and small LLMs first, a big LLM only when needed — measured.")
    .version(frugalVersion())
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; usage mistakes were already printed by it.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(error);
  }
}
