/**
 * `frugal promote --task T [--version V]`: the candidate (or version V) becomes the model the task serves. With `--url`, on
 * a running gateway through its admin route (hot reload: in-flight requests finish on the old model, none fails); without,
 * in the registry of `--data-dir`, which a gateway serving from that data dir picks up within seconds and any gateway
 * loads at start. Either way an `event` row is ledgered.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { runCommand } from "../run-command.ts";
import { adminPost } from "./admin-client.ts";
import { CONFIG_OPTION, DATA_DIR_OPTION, openCliStores } from "./store-flags.ts";

interface PromoteFlags {
  task: string;
  version?: string;
  url?: string;
  dataDir: string;
  config?: string;
  json?: boolean;
}

export function registerPromoteCommand(program: Command): void {
  program
    .command("promote")
    .description("serve a task's candidate model (or --version): on a running gateway with --url, else in the data dir's registry")
    .requiredOption("--task <name>", "the task")
    .option("--version <v>", "the version to serve (default: the candidate)")
    .option("--url <gateway>", "a running gateway (admin route, needs FRUGAL_ADMIN_KEY)")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "the result as one JSON object")
    .action(
      runCommand(async (flags: PromoteFlags) => {
        let result: { promoted: string; previous: string; where: string };
        if (flags.url !== undefined) {
          const answer = await adminPost(flags.url, `/admin/models/${encodeURIComponent(flags.task)}/promote`, flags.version !== undefined ? { version: flags.version } : {});
          result = { promoted: String(answer.promoted), previous: String(answer.previous), where: flags.url };
        } else {
          const dataDir = resolve(flags.dataDir);
          const [{ openRegistry, CONFIG_VERSION }, { promoteVersion }] = await Promise.all([import("../../improve/registry.ts"), import("../../improve/promotion.ts")]);
          const stores = await openCliStores({ dataDir, ...(flags.config !== undefined ? { config: flags.config } : {}) }, { create: false });
          try {
            const done = await promoteVersion({ registry: openRegistry(dataDir), ledger: stores.ledger, task: flags.task, by: "cli", ...(flags.version !== undefined ? { version: flags.version } : {}) });
            result = { promoted: done.promoted, previous: done.previous ?? CONFIG_VERSION, where: dataDir };
          } finally {
            await stores.close();
          }
        }
        if (flags.json === true) process.stdout.write(`${JSON.stringify({ task: flags.task, ...result })}\n`);
        else process.stdout.write(`task ${flags.task}: now serving ${result.promoted} (was ${result.previous}) at ${result.where}\n`);
      }),
    );
}
