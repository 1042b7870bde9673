/**
 * What a gateway serves, kept in step with the model registry (src/improve/registry.ts) of its data dir:
 * - at start, each classify task serves the registry's current version (if any) instead of frugal.yaml's model;
 * - the registry's candidate runs in shadow (tasks[].shadow, on by default): scored after each answer, off the request's
 *   path (setImmediate), counts per version written next to it every few seconds;
 * - promote / rollback (admin routes, or the automatic rule) change the registry, swap the model (in-flight requests
 *   finish on the old one) and write an event row; a registry changed by the CLI is picked up by the same watch.
 */
import type { CompactClassifier } from "../compact/types.ts";
import { FrugalError } from "../core/errors.ts";
import type { LedgerStore } from "../ledger/index.ts";
import type { LoadedCompactModel } from "../pipeline/compact-loader.ts";
import { promoteVersion, rollbackVersion } from "../improve/promotion.ts";
import { CONFIG_VERSION, type ModelRegistry, type PromoteResult, type RollbackResult } from "../improve/registry.ts";
import { autoPromoteReason, modelCertificate, observeShadow, resumeShadowStats, type ShadowStats } from "../improve/shadow.ts";
import type { GatewayLog } from "./context.ts";
import type { ServedTask, TaskRun, TaskService } from "./task-service.ts";

export interface ModelVersionsOptions {
  tasks: TaskService;
  registry: ModelRegistry;
  ledger: LedgerStore;
  log: GatewayLog;
  /** How often the registry is checked for changes and shadow counts are saved (default 2000 ms). */
  watchMs?: number;
  /** Told when a task starts serving another model (the drift guard starts over). */
  onServedChange?: (task: string, reason: string) => void;
}

export interface ChangeInput {
  /** Who asked: `admin`, `auto`… (recorded in the event row). */
  by: string;
  reason?: string;
}

export interface ModelVersions {
  observe(task: ServedTask, text: string, run: TaskRun): void;
  promote(task: string, input: ChangeInput & { version?: string }): Promise<PromoteResult>;
  rollback(task: string, input: ChangeInput): Promise<RollbackResult>;
  /** The version served and the shadow candidate's live counts. */
  shadow(task: string): ShadowStats | undefined;
  /** Saves shadow counts and stops watching. */
  close(): void;
}

interface Shadow {
  version: string;
  model: CompactClassifier;
  stats: ShadowStats;
  dirty: boolean;
}

export function createModelVersions(options: ModelVersionsOptions): ModelVersions {
  const { tasks, registry, log } = options;
  const shadows = new Map<string, Shadow>();
  const seen = new Map<string, number>();
  let promoting = false;
  const swappable = (name: string): ServedTask & { compact: NonNullable<ServedTask["compact"]> } => {
    const task = tasks.get(name);
    if (task?.compact === undefined) throw new FrugalError("not_found", `no classify task named "${name}" with a compact tier (tasks: ${tasks.names().join(", ") || "none"})`);
    return task as ServedTask & { compact: NonNullable<ServedTask["compact"]> };
  };
  const loaded = (task: string, version: string): LoadedCompactModel => {
    const model = registry.load(task, version);
    return { model, id: `${task}@${version}`, file: `${registry.dir}/${task}/${version}.frugal`, trained: false, info: {} };
  };
  const flush = (name: string): void => {
    const s = shadows.get(name);
    if (s === undefined || !s.dirty) return;
    s.dirty = false;
    try {
      registry.writeShadow(name, s.version, s.stats);
    } catch (error) {
      log.error("shadow counts not saved", { task: name, error: String(error) });
    }
  };

  /** Serves what the registry says is current, and shadows its candidate. */
  const sync = (name: string): void => {
    const task = tasks.get(name);
    if (task?.compact === undefined) return;
    seen.set(name, registry.changedAt(name));
    const index = registry.read(name);
    const current = index.current ?? CONFIG_VERSION;
    if (task.compact.version !== current) {
      const before = task.compact.version;
      task.compact.swap(index.current === null ? null : { loaded: loaded(name, index.current), version: index.current });
      log.info("model version now served", { task: name, version: current, was: before });
      options.onServedChange?.(name, `the task now serves model version ${current} (was ${before})`);
    }
    const candidate = task.config.shadow ? index.versions.find((v) => v.status === "candidate") : undefined;
    const held = shadows.get(name);
    if (held !== undefined && (held.version !== candidate?.version || held.stats.against !== current)) {
      flush(name);
      shadows.delete(name);
    }
    if (candidate !== undefined && !shadows.has(name)) {
      const stats = resumeShadowStats(registry.readShadow(name, candidate.version), candidate.version, current);
      shadows.set(name, { version: candidate.version, model: registry.load(name, candidate.version), stats, dirty: false });
      log.info("candidate model in shadow", { task: name, version: candidate.version, against: current });
    }
  };

  const maybeAutoPromote = (task: ServedTask, shadow: Shadow): void => {
    const rule = task.config.auto_promote;
    if (rule === undefined || promoting || task.compact === undefined) return;
    const candidate = modelCertificate(shadow.model);
    if (candidate === undefined) return;
    const reason = autoPromoteReason({ stats: shadow.stats, minShadow: rule.min_shadow, candidate, current: modelCertificate(task.compact.model) });
    if (reason === undefined) return;
    promoting = true;
    api
      .promote(task.name, { version: shadow.version, by: "auto", reason })
      .then(() => log.info("candidate promoted by the shadow rule", { task: task.name, version: shadow.version, reason }))
      .catch((error) => log.error("automatic promotion failed", { task: task.name, error: String(error) }))
      .finally(() => {
        promoting = false;
      });
  };

  for (const name of tasks.names()) sync(name);
  const timer = setInterval(() => {
    for (const name of tasks.names()) {
      try {
        if (registry.changedAt(name) !== (seen.get(name) ?? 0)) sync(name);
      } catch (error) {
        log.error("model registry check failed", { task: name, error: String(error) });
      }
      flush(name);
    }
  }, options.watchMs ?? 2000);
  timer.unref();

  const api: ModelVersions = {
    observe(task, text, run) {
      const shadow = shadows.get(task.name);
      const compact = task.compact;
      if (shadow === undefined || compact === undefined) return;
      const answer = run.result.answer?.output;
      const step = run.result.steps.find((s) => s.tier === compact.tier && s.output?.kind === "classify");
      const threshold = compact.threshold;
      // After the response: the request's own work (ledger row, reply) goes first.
      setImmediate(() => {
        if (shadows.get(task.name) !== shadow) return; // promoted or replaced meanwhile
        observeShadow(shadow.stats, shadow.model, {
          text,
          served: answer?.kind === "classify" ? answer.label : undefined,
          llm: run.answeredBy?.kind === "llm" && answer?.kind === "classify" ? answer.label : undefined,
          current: step?.output?.kind === "classify" && step.confidence !== undefined ? { label: step.output.label, confidence: step.confidence } : undefined,
          currentThreshold: threshold,
        });
        shadow.dirty = true;
        maybeAutoPromote(task, shadow);
      });
    },
    // The served model follows the registry at once, even when the event row fails to write after the registry changed:
    // serving what the registry says beats a 2 s window where `models list` and the answers disagree.
    async promote(name, input) {
      swappable(name);
      try {
        return await promoteVersion({ registry, ledger: options.ledger, task: name, ...input });
      } finally {
        sync(name);
      }
    },
    async rollback(name, input) {
      swappable(name);
      try {
        return await rollbackVersion({ registry, ledger: options.ledger, task: name, ...input });
      } finally {
        sync(name);
      }
    },
    shadow: (name) => shadows.get(name)?.stats,
    close() {
      clearInterval(timer);
      for (const name of shadows.keys()) flush(name);
    },
  };
  return api;
}
