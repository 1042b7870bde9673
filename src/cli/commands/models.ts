/**
 * `frugal models list|rollback --task T`: a task's model versions (status, certified threshold, ε, coverage, shadow
 * counts) from the registry of `--data-dir`, and a rollback to the version served before — on a running gateway with
 * `--url` (admin route, hot reload), else in the registry. A rollback is ledgered as an `event` row.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { runCommand } from "../run-command.ts";
import { adminPost } from "./admin-client.ts";
import { CONFIG_OPTION, DATA_DIR_OPTION, openCliStores } from "./store-flags.ts";

interface ModelsFlags {
  task: string;
  dataDir: string;
  config?: string;
  url?: string;
  json?: boolean;
}

export function registerModelsCommand(program: Command): void {
  const models = program.command("models").description("a task's compact model versions: list them, roll back a promotion");
  models
    .command("list")
    .description("versions with status (current, candidate, retired), certified threshold, ε, coverage and shadow counts")
    .requiredOption("--task <name>", "the task")
    .option(...DATA_DIR_OPTION)
    .option("--json", "the list as one JSON object")
    .action(
      runCommand(async (flags: ModelsFlags) => {
        const [{ openRegistry }, { modelsView, formatModelsView }] = await Promise.all([import("../../improve/registry.ts"), import("../../improve/models-view.ts")]);
        const view = modelsView(openRegistry(resolve(flags.dataDir)), flags.task);
        process.stdout.write(flags.json === true ? `${JSON.stringify(view)}\n` : formatModelsView(view));
      }),
    );
  models
    .command("rollback")
    .description("serve the version that was current before the last promotion (on a running gateway with --url)")
    .requiredOption("--task <name>", "the task")
    .option("--url <gateway>", "a running gateway (admin route, needs FRUGAL_ADMIN_KEY)")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "the result as one JSON object")
    .action(
      runCommand(async (flags: ModelsFlags) => {
        let result: { restored: string; retired: string };
        if (flags.url !== undefined) {
          const answer = await adminPost(flags.url, `/admin/models/${encodeURIComponent(flags.task)}/rollback`, {});
          result = { restored: String(answer.restored), retired: String(answer.retired) };
        } else {
          const dataDir = resolve(flags.dataDir);
          const [{ openRegistry, CONFIG_VERSION }, { rollbackVersion }] = await Promise.all([import("../../improve/registry.ts"), import("../../improve/promotion.ts")]);
          const stores = await openCliStores({ dataDir, ...(flags.config !== undefined ? { config: flags.config } : {}) }, { create: false });
          try {
            const done = await rollbackVersion({ registry: openRegistry(dataDir), ledger: stores.ledger, task: flags.task, by: "cli" });
            result = { restored: done.restored ?? CONFIG_VERSION, retired: done.retired };
          } finally {
            await stores.close();
          }
        }
        if (flags.json === true) process.stdout.write(`${JSON.stringify({ task: flags.task, ...result })}\n`);
        else process.stdout.write(`task ${flags.task}: now serving ${result.restored} (${result.retired} retired)\n`);
      }),
    );
}
