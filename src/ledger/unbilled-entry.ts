/**
 * A ledger row for something that is not a billed request — an event (a model promoted, a guard tripped), a feedback
 * answer: nothing spent, nothing redacted, status 200. Callers give what the row is about; the usage fields are zero and
 * measured (nothing was spent, exactly).
 */
import type { LedgerEntry } from "./ledger-types.ts";

export type UnbilledFields = Pick<LedgerEntry, "requestId" | "kind" | "target"> & Partial<Omit<LedgerEntry, "requestId" | "kind" | "target">>;

export function unbilledEntry(fields: UnbilledFields): LedgerEntry {
  return {
    onPrem: true,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    costProvenance: "measured",
    energyJ: null,
    energyProvenance: "measured",
    latencyMs: 0,
    cacheHit: false,
    escalated: false,
    pii: {},
    status: 200,
    stream: false,
    ...fields,
  };
}
