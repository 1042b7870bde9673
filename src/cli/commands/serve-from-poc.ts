/**
 * `frugal serve --from-poc results.json`: the PoC's task and tiers, served with the pipeline and threshold the PoC
 * recommended, so what was measured is what runs. Read here, in the CLI, because the gateway never imports the PoC.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { loadConfigFile, readTextFile } from "../../core/config-file.ts";
import { FrugalError } from "../../core/errors.ts";
import type { GatewayConfigInput } from "../../gateway/config.ts";
import { pocConfigSchema } from "../../poc/config.ts";

/** The served form of a PoC: its task and tiers, the recommended pipeline, the recommended threshold on the compact tier. */
export function configFromPoc(resultsFile: string): { config: GatewayConfigInput; baseDir: string } {
  let results: Record<string, unknown>;
  try {
    results = JSON.parse(readTextFile(resultsFile, "PoC results file")) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof FrugalError) throw error;
    throw new FrugalError("input_invalid", `${resultsFile}: not a JSON results file written by frugal poc`);
  }
  const configFile = results.config_file;
  const recommendation = (results.recommendation ?? {}) as { pipeline?: unknown; threshold?: unknown };
  if (typeof configFile !== "string") throw new FrugalError("input_invalid", `${resultsFile}: has no config_file (written by an older frugal poc?)`);
  const pocFile = isAbsolute(configFile) ? configFile : resolve(dirname(resultsFile), configFile);
  if (!existsSync(pocFile)) throw new FrugalError("file_not_found", `${resultsFile}: its poc.yaml ${pocFile} is gone`);
  const poc = loadConfigFile(pocConfigSchema, pocFile);
  const pipelineName = typeof recommendation.pipeline === "string" ? recommendation.pipeline : undefined;
  const pipeline = poc.pipelines.find((p) => p.name === pipelineName);
  if (pipeline === undefined) throw new FrugalError("input_invalid", `${resultsFile}: no recommended pipeline (the PoC recommended none; pick one in a frugal.yaml)`);
  const threshold = typeof recommendation.threshold === "number" ? recommendation.threshold : undefined;
  const tiers = Object.fromEntries(
    pipeline.tiers.map((name) => {
      const tier = poc.tiers[name]!;
      if (tier.kind === "compact" && threshold !== undefined && poc.task.kind === "classify") return [name, { ...tier, threshold }];
      return [name, tier];
    }),
  );
  const { dataset: _dataset, metric: _metric, ...task } = poc.task;
  return {
    config: {
      tasks: [{ ...task, tiers: pipeline.tiers, escalation: pipeline.escalation }],
      tiers,
      ...(poc.prices !== undefined ? { prices: poc.prices } : {}),
      ...(poc.energy !== undefined ? { energy: poc.energy } : {}),
    } as GatewayConfigInput,
    baseDir: dirname(pocFile),
  };
}

