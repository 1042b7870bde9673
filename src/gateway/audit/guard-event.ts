/**
 * A drift-guard transition as the record keeps it: a ledger row of kind `event` (target = the task, tier and model = the
 * compact tier and the model version whose threshold changed, errorCode `drift_guard_tripped` / `drift_guard_adjusted` /
 * `drift_guard_cleared`, the thresholds and the evidence as JSON in `body`), and the same facts as a warn log line.
 */
import { randomUUID } from "node:crypto";
import type { LedgerEntry } from "../../ledger/index.ts";
import { unbilledEntry } from "../../ledger/unbilled-entry.ts";
import type { GuardTransition } from "./drift-guard.ts";

export interface GuardEventInput {
  task: string;
  tier: string;
  model: string;
  /** null for a classify task's label. */
  field: string | null;
  epsilon: number;
  action: string;
  transition: GuardTransition;
}

/** +Infinity (escalate everything) has no JSON form: null, with `escalate_all: true` beside it. */
const threshold = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function guardEventFields(input: GuardEventInput): Record<string, unknown> {
  const { transition: t } = input;
  return {
    task: input.task,
    field: input.field,
    model: input.model,
    from_threshold: threshold(t.from),
    to_threshold: threshold(t.to),
    escalate_all: !Number.isFinite(t.to),
    epsilon: input.epsilon,
    action: input.action,
    audits: t.stats.n,
    disagreements: t.stats.errors,
    kept_error_lower: t.stats.lower,
    kept_error_upper: t.stats.upper,
    reason: t.reason,
  };
}

export function guardEventEntry(input: GuardEventInput): LedgerEntry {
  return unbilledEntry({
    requestId: `guard-${randomUUID()}`,
    keyId: null,
    team: null,
    kind: "event",
    target: input.task,
    tier: input.tier,
    model: input.model,
    provider: "frugal-compact",
    region: "in-process",
    errorCode: `drift_guard_${input.transition.kind}`,
    body: JSON.stringify(guardEventFields(input)),
  });
}
