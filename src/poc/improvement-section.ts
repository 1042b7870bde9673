/**
 * The PoC's `improvement_loop` section: when poc.yaml enables it, the loop of src/improve/improvement-loop.ts (the same
 * function the benchmark runs) on the task's training texts, its served models scored on the PoC's own dataset.
 */
import { isAbsolute, resolve } from "node:path";
import { FrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import { readLabeledTexts } from "../data/labeled-texts.ts";
import { runImprovementLoop, type LoopResult } from "../improve/improvement-loop.ts";
import { createLoopLabeler } from "../improve/loop-labeler.ts";
import type { Meter } from "../meter/index.ts";
import { tierMeterOf } from "../pipeline/tier-meter.ts";
import type { PocConfig } from "./config.ts";
import type { PocDataset } from "./dataset.ts";

export interface ImprovementSectionOptions {
  config: PocConfig;
  baseDir: string;
  env: Record<string, string | undefined>;
  meter: Meter;
  task: TaskSpec;
  dataset: PocDataset;
  onEvent?: (message: string) => void;
}

/** The training texts the loop replays: `improvement_loop.train`, else the first compact tier's `train` block. */
function trafficSource(config: PocConfig): { data: string; text?: string; label?: string } {
  const own = config.improvement_loop?.train;
  if (own !== undefined) return own;
  for (const tier of Object.values(config.tiers)) {
    if (tier.kind === "compact" && tier.train !== undefined) return tier.train;
  }
  throw new FrugalError("config_invalid", "improvement_loop: no training texts to replay (set improvement_loop.train.data, or give a compact tier a train block)", {
    details: { keyPath: "improvement_loop.train" },
  });
}

export async function improvementLoopSection(options: ImprovementSectionOptions): Promise<LoopResult | undefined> {
  const { config, task } = options;
  const settings = config.improvement_loop;
  if (settings === undefined || !settings.enabled) return undefined;
  if (task.kind !== "classify" || task.labels === undefined) {
    throw new FrugalError("config_invalid", "improvement_loop: only classify tasks with a label set have a loop", { details: { keyPath: "improvement_loop" } });
  }
  const tierName = settings.llm_tier ?? Object.entries(config.tiers).find(([, t]) => t.kind === "llm")?.[0];
  if (tierName === undefined) throw new FrugalError("config_invalid", "improvement_loop: the config has no llm tier to answer escalations", { details: { keyPath: "improvement_loop.llm_tier" } });
  const source = trafficSource(config);
  const file = isAbsolute(source.data) ? source.data : resolve(options.baseDir, source.data);
  const traffic = readLabeledTexts(file, { ...(source.text !== undefined ? { textCol: source.text } : {}), ...(source.label !== undefined ? { labelCol: source.label } : {}) }).examples.map(({ text, label }) => ({ text, label }));
  const test = options.dataset.items.flatMap((item) => (item.gold?.kind === "classify" ? [{ text: item.text, label: item.gold.label }] : []));
  const loopTask = { ...task, labels: task.labels };
  const labeler = await createLoopLabeler({ task: loopTask, tiers: config.tiers, tierName, baseDir: options.baseDir, env: options.env, meter: options.meter, noise: settings.noise, seed: settings.seed });
  try {
    return await runImprovementLoop({
      task: loopTask,
      traffic,
      test,
      labeler,
      tierMeter: tierMeterOf(options.meter),
      settings: { windows: settings.windows, seedShare: settings.seed_share, epsilon: settings.epsilon, auditShare: settings.audit_share, seed: settings.seed },
      ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
    });
  } finally {
    await labeler.close();
  }
}
