/**
 * The tasks a gateway serves, built once at start from frugal.yaml with the PoC's own tier builders (src/pipeline), so a
 * pipeline and threshold the PoC recommended answers here exactly as it was measured there.
 *
 * Three serving decisions live here:
 * - A `cache` tier of a task is the gateway's exact cache (scoped per team), not the cascade's in-process one, so it is
 *   left out of the cascade and reported to the caller (`cached: true`) to consult.
 * - An LLM tier without an endpoint is dropped: the PoC models its cost, but a gateway must never make up an answer. A
 *   request the compact tier would have escalated then gets the compact answer, marked degraded with the reason.
 * - `local_only` requests (PII found, policy local_only) run a second cascade made of the on-prem tiers only.
 */
import { FrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import { createCascade, type Cascade, type CascadeResult } from "../cascade/index.ts";
import type { Meter } from "../meter/index.ts";
import { buildPipelineTiers, prepareTierResources, type SharedTierResources } from "../pipeline/build-tiers.ts";
import type { CompactLoader, LoadedCompactModel } from "../pipeline/compact-loader.ts";
import type { CompactTierConfig } from "../pipeline/config.ts";
import type { CompactClassifier } from "../compact/types.ts";
import { contextOptionsOf, escalationPolicyOf } from "../pipeline/escalation.ts";
import { readTaskLabels } from "../pipeline/labels.ts";
import { tierMeterOf } from "../pipeline/tier-meter.ts";
import type { CascadeTier } from "../tiers/index.ts";
import type { GatewayConfig, GatewayTaskConfig } from "./config.ts";
import { auditLlmOf, keeperOf, withServedThreshold, type ServedThresholdLookup } from "./audit/served-tier.ts";
import type { AuditLlm, KeeperInfo } from "./audit/types.ts";

export interface ServedTier {
  name: string;
  kind: "cache" | "compact" | "llm";
  model?: string;
  provider?: string;
  region?: string;
  onPrem: boolean;
  /** The largest output an LLM tier may produce, for budget reservations. */
  maxTokens?: number;
}

export interface ServedTask {
  name: string;
  config: GatewayTaskConfig;
  spec: TaskSpec;
  /** The task's first tier is a cache: consult the gateway's exact cache. */
  cached: boolean;
  tiers: ServedTier[];
  /** Why some configured LLM tiers do not answer (no endpoint), to tell the caller of a degraded answer. */
  missingLlm: string | undefined;
  /** The classifier that registry versions replace (classify tasks with a compact tier). */
  compact: ServedCompact | undefined;
  /** The compact tier whose certificate audits check (src/gateway/audit), for the model served now. */
  readonly keeper: KeeperInfo | undefined;
  /** The LLM tier audits ask: the task's last one that answers. */
  readonly auditLlm: AuditLlm | undefined;
  run(request: { text: string; tags?: string[]; localOnly: boolean; signal?: AbortSignal }): Promise<TaskRun>;
}

export interface TaskRun {
  result: CascadeResult;
  /** The answer stands although a tier meant to check it is missing or failed; `reason` says why. */
  degraded: boolean;
  reason?: string;
  /** The served tier that answered (cache hits are the gateway's, never here). */
  answeredBy: ServedTier | undefined;
  /** The version of the task's classifier that ran (`config`: the model frugal.yaml names); undefined without one. */
  modelVersion?: string;
}

/**
 * A classify task's compact tier, swappable while serving (src/gateway/model-versions.ts): a swap builds new cascades, and
 * each request runs on the cascades it started with, so in-flight requests finish on the old model and none fails.
 */
export interface ServedCompact {
  readonly tier: string;
  readonly version: string;
  readonly model: CompactClassifier;
  /** The threshold the served model keeps answers at (before any drift-guard raise). */
  readonly threshold: number;
  /**
   * Serves `to.loaded` as `to.version` from the next request on, at the model's own certified threshold; null: back to the
   * model frugal.yaml names (with its threshold override, if any).
   */
  swap(to: { loaded: LoadedCompactModel; version: string } | null): void;
}

export interface TaskServiceOptions {
  config: GatewayConfig;
  baseDir: string;
  env: Record<string, string | undefined>;
  meter: Meter;
  compactLoader: CompactLoader;
  onTrainProgress?: (task: string, tier: string, done: number, total: number) => void;
  /** Called after each cascade run with the (redacted) text: shadow scoring hooks here, and must not block. */
  onAnswered?: (task: ServedTask, text: string, run: TaskRun) => void;
  /** The drift guard's raised thresholds (src/gateway/audit): compact tiers read them on every request. */
  servedThreshold?: ServedThresholdLookup;
}

export interface TaskService {
  get(name: string): ServedTask | undefined;
  names(): string[];
  close(): Promise<void>;
}

/** Whether the compact answer that stood would have been escalated, had an LLM been there to escalate to. */
function belowThreshold(result: CascadeResult, tier: CascadeTier | undefined): boolean {
  const answer = result.answer;
  if (answer === null || tier === undefined || tier.kind !== "compact") return false;
  if (tier.fieldThresholds !== undefined) {
    return Object.entries(tier.fieldThresholds).some(([field, threshold]) => (answer.fieldConfidence?.[field] ?? 0) < threshold);
  }
  return tier.threshold !== undefined && answer.confidence < tier.threshold;
}

async function buildTask(task: GatewayTaskConfig, options: TaskServiceOptions, taskIndex: number): Promise<{ served: ServedTask; resources: SharedTierResources }> {
  const { config, baseDir, env, meter } = options;
  const tierConfigs = Object.fromEntries(task.tiers.map((n) => [n, config.tiers[n]!]));
  const resources = await prepareTierResources({
    config: { tiers: tierConfigs },
    baseDir,
    env,
    meter,
    compactLoader: options.compactLoader,
    task: { kind: task.kind },
    onTrainProgress: (tier, done, total) => options.onTrainProgress?.(task.name, tier, done, total),
  });
  const modelLabels = [...resources.compact.values()].flatMap((c) => (c.model.kind === "classify" ? [...c.model.labels] : []));
  const modelFields = [...resources.compact.values()].flatMap((c) => (c.model.kind === "extract" ? [...c.model.fields] : []));
  const labels = readTaskLabels(task.labels, baseDir, `tasks[${taskIndex}].labels`) ?? (modelLabels.length > 0 ? [...new Set(modelLabels)].sort() : undefined);
  const fields = task.fields ?? (modelFields.length > 0 ? [...new Set(modelFields)] : undefined);
  if (task.kind === "classify" && labels === undefined) throw new FrugalError("config_invalid", `tasks[${taskIndex}].labels: a classify task with no compact model needs its labels`);
  if (task.kind === "extract" && fields === undefined) throw new FrugalError("config_invalid", `tasks[${taskIndex}].fields: an extract task with no compact model needs its fields`);
  const spec: TaskSpec = {
    name: task.name,
    kind: task.kind,
    ...(task.kind === "classify" ? { labels } : { fields }),
    ...(task.prompt !== undefined ? { promptTemplate: task.prompt } : {}),
  };

  // Answering tiers only: the cache is the gateway's, a modeled LLM cannot answer.
  const answering = task.tiers.filter((n) => {
    const c = tierConfigs[n]!;
    return c.kind === "compact" || (c.kind === "llm" && resources.providers.has(n));
  });
  const missing = task.tiers.filter((n) => tierConfigs[n]!.kind === "llm" && !resources.providers.has(n));
  const missingLlm = missing.length === 0 ? undefined : `no LLM endpoint for ${missing.join(", ")}: ${resources.measuredHints.get(missing[0]!) ?? "configure its endpoint"}`;
  if (answering.length === 0) throw new FrugalError("config_invalid", `tasks[${taskIndex}]: no tier can answer (${missingLlm ?? "no compact or llm tier"})`);

  const served: ServedTier[] = answering.map((n) => {
    const c = tierConfigs[n]!;
    if (c.kind !== "llm") return { name: n, kind: "compact", model: resources.compact.get(n)?.id, provider: "frugal-compact", onPrem: true, region: "in-process" } as ServedTier;
    const endpoint = resources.endpoints.get(n);
    const onPrem = c.provider === "llama-cpp" || c.on_prem;
    return {
      name: n,
      kind: "llm",
      model: endpoint?.servedModel ?? c.model,
      provider: c.provider === "llama-cpp" ? "llama-cpp" : endpoint?.baseUrl,
      onPrem,
      ...(c.region !== undefined ? { region: c.region } : c.provider === "llama-cpp" ? { region: "in-process" } : {}),
      maxTokens: c.max_tokens ?? (task.kind === "classify" ? 64 : 512),
    };
  });
  const tierMeter = tierMeterOf(meter);
  // The tokenizer loads its BPE ranks on first use (seconds): at start, not inside the first escalated request.
  if (served.some((t) => t.kind === "llm")) tierMeter.countTokens("warm-up");
  const pipeline = { name: task.name, tiers: answering, escalation: task.escalation };
  const assemble = (compact: Map<string, LoadedCompactModel>, tiers: typeof tierConfigs, servedTiers: ServedTier[], version: string | undefined) => {
    const ownTiers = buildPipelineTiers({ config: { tiers }, pipeline, task: spec, resources: { ...resources, compact }, meter, tierMeter, pipelineRate: undefined, reachShare: () => 1 });
    const raise = options.servedThreshold;
    const liveTiers = raise === undefined ? ownTiers : ownTiers.map((t) => withServedThreshold(task.name, t, raise));
    const cascadeOf = (names: string[]): Cascade => {
      const chosen = liveTiers.filter((t) => names.includes(t.name));
      return createCascade({ name: task.name, task: spec, tiers: chosen, policy: escalationPolicyOf(task.escalation, names), context: contextOptionsOf(task.escalation) });
    };
    const full = cascadeOf(answering);
    const localNames = servedTiers.filter((t) => t.onPrem).map((t) => t.name);
    const local = localNames.length === answering.length ? full : localNames.length > 0 ? cascadeOf(localNames) : undefined;
    return { liveTiers, ownTiers, full, local, served: servedTiers, version, compact, keeper: keeperOf(ownTiers, compact), auditLlm: auditLlmOf(ownTiers, servedTiers, spec) };
  };
  const compactName = task.kind === "classify" ? answering.find((n) => tierConfigs[n]!.kind === "compact") : undefined;
  const configured = assemble(resources.compact, tierConfigs, served, compactName === undefined ? undefined : "config");
  let live = configured;
  const compact: ServedCompact | undefined =
    compactName === undefined
      ? undefined
      : {
          tier: compactName,
          get version() {
            return live.version ?? "config";
          },
          get model() {
            return live.compact.get(compactName)!.model as CompactClassifier;
          },
          get threshold() {
            // The model's own (certified or configured) threshold, not one a tripped drift guard raised meanwhile.
            return live.ownTiers.find((t) => t.name === compactName)?.threshold ?? Number.POSITIVE_INFINITY;
          },
          swap(to) {
            if (to === null) {
              live = configured;
              return;
            }
            const { loaded, version } = to;
            if (loaded.model.kind !== "classify") throw new FrugalError("model_file_invalid", `task ${task.name}: version ${version} is not a classifier`);
            // A registry version serves at its own certified threshold, not at an override chosen for another model.
            const { threshold: _override, ...tierConfig } = tierConfigs[compactName] as CompactTierConfig;
            const servedTiers = served.map((t) => (t.name === compactName ? { ...t, model: `${task.name}@${version}` } : t));
            live = assemble(new Map(live.compact).set(compactName, loaded), { ...tierConfigs, [compactName]: tierConfig }, servedTiers, version);
          },
        };

  const servedTask: ServedTask = {
    name: task.name,
    config: task,
    spec,
    cached: tierConfigs[task.tiers[0]!]!.kind === "cache",
    get tiers() {
      return live.served;
    },
    missingLlm,
    compact,
    get keeper() {
      return live.keeper;
    },
    get auditLlm() {
      return live.auditLlm;
    },
    async run(request) {
      const now = live; // this request runs on these cascades to the end, whatever a swap does meanwhile
      const cascade = request.localOnly ? now.local : now.full;
      if (cascade === undefined) throw new FrugalError("pii_detected", `task ${task.name}: the request holds personal data and its policy is local_only, but no tier of this task runs on premises`);
      const result = await cascade.run({ input: { text: request.text }, ...(request.tags !== undefined ? { tags: request.tags } : {}), ...(request.signal !== undefined ? { signal: request.signal } : {}) });
      const answeredBy = now.served.find((t) => t.name === result.answeredBy);
      const liveTier = now.liveTiers.find((t) => t.name === result.answeredBy);
      const cut = request.localOnly && cascade !== now.full ? "the request holds personal data and its policy is local_only: off-premises tiers were not asked" : missingLlm;
      const version = now.version === undefined ? {} : { modelVersion: now.version };
      const out: TaskRun = result.degraded
        ? { result, degraded: true, reason: result.error?.message ?? "every tier after the compact answer failed", answeredBy, ...version }
        : cut !== undefined && belowThreshold(result, liveTier)
          ? { result, degraded: true, reason: `the compact answer is below its threshold and was not checked: ${cut}`, answeredBy, ...version }
          : { result, degraded: false, answeredBy, ...version };
      options.onAnswered?.(servedTask, request.text, out);
      return out;
    },
  };
  return { served: servedTask, resources };
}

export async function createTaskService(options: TaskServiceOptions): Promise<TaskService> {
  const tasks = new Map<string, ServedTask>();
  const opened: SharedTierResources[] = [];
  const close = async () => {
    for (const r of opened) await r.close();
  };
  try {
    for (const [i, task] of options.config.tasks.entries()) {
      const { served, resources } = await buildTask(task, options, i);
      opened.push(resources);
      tasks.set(task.name, served);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { get: (name) => tasks.get(name), names: () => [...tasks.keys()], close };
}
