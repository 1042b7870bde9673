/** A plausible gateway ledger entry, for tests and benches: row i is stamped i hours after 2025-06-01T00:00Z. */
import type { LedgerEntry } from "./ledger-types.ts";

export function sampleEntry(i: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    ts: new Date(Date.parse("2025-06-01T00:00:00Z") + i * 3_600_000).toISOString(),
    requestId: `req-${i}`,
    keyId: "k1",
    team: "finance",
    kind: "task",
    target: "invoice",
    tier: i % 2 === 0 ? "compact" : "llm",
    model: "gpt-4o-mini",
    provider: "openai",
    region: "eu-west",
    onPrem: false,
    inputTokens: 100 + i,
    outputTokens: 20,
    costUsd: 0.000123 * (i + 1),
    costProvenance: "measured",
    energyJ: i % 3 === 0 ? null : 1.5,
    energyProvenance: i % 3 === 0 ? "not_measured" : "modeled",
    latencyMs: 12.5,
    cacheHit: false,
    escalated: i % 2 === 1,
    pii: { email: 1, iban: i % 2 },
    status: 200,
    stream: false,
    ...overrides,
  };
}
