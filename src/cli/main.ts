/**
 * The `frugal` command line: one file per command under src/cli/commands, each thin over library functions. This file only
 * wires them up and turns usage errors into exit code 2.
 */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { reportError } from "./run-command.ts";
import { registerCommands } from "./commands/index.ts";

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command("frugal")
    .description("Frugal-first AI: compact model, cache and small LLMs first, a big LLM only when needed — measured.")
    .version(packageVersion())
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
