/**
 * `frugal distill` as a library call: a served task's ledger rows (LLM answers with stored bodies, gold feedback) plus
 * its labeled seed (the compact tier's `train.data`, when it has one) → distillCandidate → a new registry version with
 * status `candidate`, and a `model_registered` event row. The served model (the registry's current version, else the one
 * frugal.yaml names) is the comparison and sets ε when it carries a certificate, so the two are judged at the same ε.
 */
import { isAbsolute, resolve } from "node:path";
import { classifierToContents } from "../compact/classifier-file.ts";
import type { CompactClassifier, CompactModel } from "../compact/types.ts";
import { FrugalError } from "../core/errors.ts";
import { readLabeledTexts } from "../data/labeled-texts.ts";
import type { GatewayConfig, GatewayTaskConfig } from "../gateway/config.ts";
import type { LedgerStore } from "../ledger/index.ts";
import { createMeter } from "../meter/index.ts";
import { prepareTierResources } from "../pipeline/build-tiers.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import type { CompactTierConfig } from "../pipeline/config.ts";
import { readTaskLabels } from "../pipeline/labels.ts";
import { distillCandidate, type DistillReport, type LabeledText } from "./distill-core.ts";
import { modelEventEntry } from "./events.ts";
import { checkDistillable, datasetFromLedger, emptyDatasetReason, type LedgerDatasetStats } from "./ledger-dataset.ts";
import { CONFIG_VERSION, type ModelRegistry, type ModelVersion } from "./registry.ts";
import { modelCertificate } from "./shadow.ts";

/** ε when neither the flag nor the served model says: the classifier trainer's own default. */
export const DEFAULT_EPSILON = 0.02;

export interface DistillTaskOptions {
  config: GatewayConfig;
  baseDir: string;
  task: string;
  ledger: LedgerStore;
  registry: ModelRegistry;
  compactLoader: CompactLoader;
  since?: string;
  epsilon?: number;
  /** Where the ledger is, for messages. */
  where: string;
  threads?: number;
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
}

export interface DistillTaskResult {
  version: ModelVersion;
  report: DistillReport;
  ledgerRows: LedgerDatasetStats;
  /** The version the candidate was compared with. */
  against: string;
}

export function findTask(config: GatewayConfig, name: string): GatewayTaskConfig {
  const task = config.tasks.find((t) => t.name === name);
  if (task === undefined) throw new FrugalError("input_invalid", `no task named "${name}" in frugal.yaml (tasks: ${config.tasks.map((t) => t.name).join(", ") || "none"})`);
  return task;
}

/** The task's classifier tier (the first compact tier): the one distillation replaces. */
export function compactTierOf(config: GatewayConfig, task: GatewayTaskConfig): { name: string; tier: CompactTierConfig } {
  const name = task.tiers.find((n) => config.tiers[n]?.kind === "compact");
  if (name === undefined) throw new FrugalError("input_invalid", `task ${task.name} has no compact tier: nothing to distill into`);
  return { name, tier: config.tiers[name] as CompactTierConfig };
}

/** The model frugal.yaml names for the tier, loaded (or trained and cached) exactly as `frugal serve` does. */
export async function configModel(options: Pick<DistillTaskOptions, "baseDir" | "compactLoader">, tierName: string, tier: CompactTierConfig, kind: "classify" | "extract" = "classify"): Promise<CompactModel> {
  const resources = await prepareTierResources({
    config: { tiers: { [tierName]: tier } },
    baseDir: options.baseDir,
    env: {},
    meter: createMeter({ baseDir: options.baseDir }),
    compactLoader: options.compactLoader,
    task: { kind },
  });
  await resources.close();
  return resources.compact.get(tierName)!.model;
}

function seedRows(baseDir: string, tier: CompactTierConfig): LabeledText[] {
  if (tier.train === undefined) return [];
  const file = isAbsolute(tier.train.data) ? tier.train.data : resolve(baseDir, tier.train.data);
  const set = readLabeledTexts(file, { ...(tier.train.text !== undefined ? { textCol: tier.train.text } : {}), ...(tier.train.label !== undefined ? { labelCol: tier.train.label } : {}) });
  return set.examples.map((e) => ({ text: e.text, label: e.label, source: "seed" as const }));
}

export async function distillTask(options: DistillTaskOptions): Promise<DistillTaskResult> {
  const { config, registry } = options;
  const task = findTask(config, options.task);
  checkDistillable(task.name, task.kind);
  const { name: tierName, tier } = compactTierOf(config, task);
  const dataset = await datasetFromLedger(options.ledger, {
    task: task.name,
    ...(options.since !== undefined ? { since: options.since } : {}),
    isLlmTier: (name) => config.tiers[name]?.kind === "llm",
  });
  const empty = emptyDatasetReason(task.name, task.store_bodies, dataset, options.where + (options.since !== undefined ? ` since ${options.since}` : ""));
  if (empty !== undefined) throw new FrugalError("input_invalid", empty);

  const index = registry.read(task.name);
  const against = index.current ?? CONFIG_VERSION;
  const current = index.current !== null ? registry.load(task.name, index.current) : (await configModel(options, tierName, tier)) as CompactClassifier;
  const labels = readTaskLabels(task.labels, options.baseDir, `tasks.${task.name}.labels`) ?? [...current.labels];
  const served = modelCertificate(current);
  const epsilon = options.epsilon ?? (served?.certified === true ? served.maxError : undefined) ?? DEFAULT_EPSILON;
  const { parts, report } = await distillCandidate({
    taskName: task.name,
    labels,
    seed: seedRows(options.baseDir, tier),
    distilled: dataset.distilled,
    gold: dataset.gold,
    current,
    epsilon,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
  });
  const c = report.candidate.certificate;
  const version = registry.register(task.name, {
    contents: classifierToContents(parts),
    source: "distill",
    examples: { ...report.sizes.train },
    certificate: { threshold: c.threshold, certified: c.certified, maxError: c.maxError, confidenceLevel: c.confidenceLevel, coverage: c.coverage },
    report: { against, heldOut: report.candidate.heldOut, currentHeldOut: report.current?.heldOut ?? null, promotion: report.promotion },
  });
  await ledgerRegistration(options.ledger, task.name, version, { against, epsilon, certified: c.certified, coverage: c.coverage, threshold: c.threshold, train: report.sizes.train });
  return { version, report, ledgerRows: dataset.stats, against };
}

/** The `model_registered` event row of a distilled version (classifier or extractor). */
export async function ledgerRegistration(ledger: LedgerStore, task: string, version: ModelVersion, details: Record<string, unknown>): Promise<void> {
  await ledger.append(modelEventEntry({ event: "model_registered", task, version: version.version, by: "cli", details: { ...details, sha256: version.sha256 } }));
}
