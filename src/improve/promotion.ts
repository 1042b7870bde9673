/**
 * Promotion and rollback of a task's model version: the registry change and its `event` row, one code path for the CLI
 * (offline, on the data dir) and a running gateway (which then swaps the model it serves). The version to serve is loaded
 * and checked before the registry changes, so a damaged file fails the promotion, never the requests after it.
 */
import { FrugalError } from "../core/errors.ts";
import type { LedgerStore } from "../ledger/index.ts";
import { modelEventEntry } from "./events.ts";
import { CONFIG_VERSION, type ModelRegistry, type PromoteResult, type RollbackResult } from "./registry.ts";

export interface VersionChange {
  registry: ModelRegistry;
  ledger: LedgerStore;
  task: string;
  /** Who asked: `cli`, `admin`, `auto` (recorded in the event row). */
  by: string;
  reason?: string;
}

export async function promoteVersion(change: VersionChange & { version?: string }): Promise<PromoteResult> {
  const { registry, task } = change;
  const index = registry.read(task);
  const chosen = change.version ?? index.versions.find((v) => v.status === "candidate")?.version;
  const kind = index.versions.find((v) => v.version === chosen)?.modelKind;
  // The gateway swaps and shadows classifiers only (model-versions.ts): an extractor version is served by naming its file.
  if (kind !== undefined) {
    throw new FrugalError("input_invalid", `task ${task}: ${chosen} is an ${kind}, which promotion cannot serve yet: point the compact tier's \`model\` at its file (registry/${task}/${chosen}.frugal in the data dir)`);
  }
  if (chosen !== undefined) registry.load(task, chosen);
  const result = registry.promote(task, chosen);
  await change.ledger.append(
    modelEventEntry({ event: "model_promoted", task, version: result.promoted, previous: result.previous ?? CONFIG_VERSION, by: change.by, ...(change.reason !== undefined ? { reason: change.reason } : {}) }),
  );
  return result;
}

export async function rollbackVersion(change: VersionChange): Promise<RollbackResult> {
  const { registry, task } = change;
  const restore = registry.read(task).previous.at(-1);
  if (restore !== undefined && restore !== null) registry.load(task, restore);
  const result = registry.rollback(task);
  await change.ledger.append(
    modelEventEntry({ event: "model_rolled_back", task, version: result.restored ?? CONFIG_VERSION, previous: result.retired, by: change.by, ...(change.reason !== undefined ? { reason: change.reason } : {}) }),
  );
  return result;
}
