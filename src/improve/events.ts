/**
 * Ledger `event` rows for changes of what a task serves: a model version registered, promoted, rolled back. An event is a
 * row like any other (hash-chained, exported, verified), so "which model answered on that day, and who changed it" is read
 * from the same record as the requests; the details are its body (JSON).
 */
import { randomUUID } from "node:crypto";
import type { LedgerEntry } from "../ledger/index.ts";
import { unbilledEntry } from "../ledger/unbilled-entry.ts";

export type ModelEventName = "model_registered" | "model_promoted" | "model_rolled_back";

export interface ModelEvent {
  event: ModelEventName;
  task: string;
  /** The version the event is about (registered, promoted, or restored by a rollback; `config`: frugal.yaml's model). */
  version: string;
  /** The version served before (promotion, rollback). */
  previous?: string;
  /** Who or what decided: `cli`, `admin`, `auto` (shadow rule), with its reason. */
  by: string;
  reason?: string;
  details?: Record<string, unknown>;
}

export function modelEventEntry(e: ModelEvent): LedgerEntry {
  const { event, task, version, ...rest } = e;
  // The event's name in errorCode, as the drift guard's events do: one column to filter events by.
  return unbilledEntry({ requestId: `evt_${randomUUID()}`, kind: "event", target: task, tier: "compact", model: version, errorCode: event, body: JSON.stringify({ event, task, version, ...rest }) });
}
