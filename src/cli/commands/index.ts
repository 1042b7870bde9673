/** The list of commands, one register function per file. Add a command: one file, one line here. */
import type { Command } from "commander";

export function registerCommands(program: Command): void {
  void program;
}
