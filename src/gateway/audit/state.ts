/**
 * The audit state of one task: its configuration, the model version it belongs to, the sampling draws and one drift
 * guard per answer stream. What the guards serve is read here, for the cascade's tiers and for the status alike.
 */
import { createRng, type Rng } from "../../core/random.ts";
import type { AuditConfig } from "./config.ts";
import { createDriftGuard, type DriftGuard } from "./drift-guard.ts";
import type { KeeperInfo } from "./types.ts";

export interface TaskAuditState {
  config: AuditConfig;
  keeper: KeeperInfo;
  epsilon: number;
  rng: Rng;
  inFlight: number;
  guards: Map<string, DriftGuard>;
}

export function createTaskAuditState(config: AuditConfig, keeper: KeeperInfo, epsilon: number): TaskAuditState {
  const guards = new Map<string, DriftGuard>();
  for (const [stream, certified] of Object.entries(keeper.thresholds)) {
    guards.set(stream, createDriftGuard({ epsilon, certified, action: config.action, window: config.window, minSamples: config.min_samples }));
  }
  return { config, keeper, epsilon, rng: createRng(config.seed), inFlight: 0, guards };
}

export function anyTripped(state: TaskAuditState): boolean {
  for (const guard of state.guards.values()) if (guard.tripped) return true;
  return false;
}

/** The threshold served for a stream while a guard is tripped (escalate_all: every stream of the task); else undefined. */
export function raisedThresholdOf(state: TaskAuditState, stream: string): number | undefined {
  if (state.config.action === "escalate_all" && anyTripped(state)) return Number.POSITIVE_INFINITY;
  const guard = state.guards.get(stream);
  return guard?.tripped === true ? guard.served : undefined;
}
