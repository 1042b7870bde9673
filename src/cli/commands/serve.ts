/**
 * `frugal serve [frugal.yaml]`: the OpenAI-compatible frugal-first gateway. `--demo` needs no config (the examples' tasks),
 * `--from-poc results.json` serves what a PoC recommended. Prints `listening on http://HOST:PORT` once the port is open;
 * SIGTERM/SIGINT drain in-flight requests (server.drain_ms) and flush state before exiting. Thin over src/gateway.
 */
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import { numberOption, runCommand } from "../run-command.ts";

interface ServeFlags {
  host?: string;
  port?: string;
  dataDir: string;
  demo?: boolean;
  fromPoc?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the OpenAI-compatible gateway: tasks answered frugal-first, routes to upstream LLMs, keys, budgets, ledger, PII policies, /metrics")
    .argument("[config]", "frugal.yaml (schema: schemas/frugal.schema.json)")
    .option("--host <host>", "address to listen on (default: server.host, 127.0.0.1)")
    .option("--port <port>", "port to listen on (default: server.port, 8787; 0 picks a free one)")
    .option("--data-dir <dir>", "where keys, budgets, the ledger and trained models live", "./.frugal")
    .option("--demo", "serve the examples' tasks banking77 and sroie with no config (LLM tier from FRUGAL_LLM_BASE_URL)")
    .option("--from-poc <results.json>", "serve the pipeline and threshold a `frugal poc` run recommended")
    .action(
      runCommand(async (configFile: string | undefined, flags: ServeFlags) => {
        const sources = [configFile !== undefined, flags.demo === true, flags.fromPoc !== undefined].filter(Boolean).length;
        if (sources !== 1) throw new FrugalError("input_invalid", "give exactly one of: a frugal.yaml, --demo, or --from-poc <results.json>");
        const port = numberOption("--port", flags.port, { min: 0, max: 65535, integer: true });
        const dataDir = resolve(flags.dataDir);
        const [{ loadConfigFile, validateConfig }, { gatewayConfigSchema }, { startGateway }, { demoConfig }, { createCliLog }] = await Promise.all([
          import("../../core/config-file.ts"),
          import("../../gateway/config.ts"),
          import("../../gateway/server.ts"),
          import("../../gateway/presets.ts"),
          import("./serve-log.ts"),
        ]);
        let config;
        let baseDir: string;
        if (configFile !== undefined) {
          config = loadConfigFile(gatewayConfigSchema, configFile);
          baseDir = dirname(resolve(configFile));
        } else {
          const preset = flags.demo === true ? demoConfig(process.env, dataDir) : (await import("./serve-from-poc.ts")).configFromPoc(resolve(flags.fromPoc as string));
          config = validateConfig(gatewayConfigSchema, preset.config, flags.demo === true ? "--demo" : `--from-poc ${flags.fromPoc}`);
          baseDir = preset.baseDir;
        }
        const log = createCliLog();
        const gateway = await startGateway({
          config,
          baseDir,
          dataDir,
          ...(flags.host !== undefined ? { host: flags.host } : {}),
          ...(port !== undefined ? { port } : {}),
          log,
          onTrainProgress: (task, tier, done, total) => {
            if (total > 1 && (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)) process.stderr.write(`training ${task}/${tier}: ${done}/${total}\n`);
          },
        });
        for (const task of gateway.context.tasks.names()) {
          const served = gateway.context.tasks.get(task);
          if (served?.missingLlm !== undefined) process.stderr.write(`warning: task ${task}: ${served.missingLlm}; answers the compact tier would escalate are returned marked degraded\n`);
        }
        process.stdout.write(`listening on ${gateway.url}\n`);
        await new Promise<void>((done) => {
          const stop = (signal: string) => {
            process.stderr.write(`${signal}: draining in-flight requests\n`);
            void gateway.close().then(done, (error: unknown) => {
              log.error("shutdown failed", { error: String(error) });
              done();
            });
          };
          process.once("SIGTERM", () => stop("SIGTERM"));
          process.once("SIGINT", () => stop("SIGINT"));
        });
      }),
    );
}
