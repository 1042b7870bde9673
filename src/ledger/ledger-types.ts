/**
 * The LedgerStore contract: an append-only, hash-chained record per gateway request (and per audited admin action). Each
 * stored row carries `prevHash` (the previous row's hash) and `hash = sha256(prevHash + canonical JSON of the row)`, so
 * changing, removing or reordering any row breaks `verify()` from that row on. One chain per database; pruning keeps it
 * verifiable by storing the last pruned row's hash as the chain's new anchor. One small async interface so the SQLite
 * store (today) and PostgreSQL (later) pass the same contract suite (ledger-store-contract.ts).
 */
import type { Provenance } from "../core/provenance.ts";

/**
 * task / route: a gateway request. audit: a background check of a kept compact answer by the LLM tier (improvement loop).
 * event: a change of what is served (model version registered, promoted, rolled back; drift guard tripped or cleared).
 * feedback: a gold answer sent for an earlier request (`POST /v1/feedback`), kept for distillation.
 */
export type LedgerKind = "task" | "route" | "audit" | "event" | "feedback";

/** What the gateway records for a request. Absent optional fields are stored (and hashed) as null. */
export interface LedgerEntry {
  /** ISO 8601 instant; default: now. Stored in the canonical `toISOString()` form. */
  ts?: string;
  requestId: string;
  keyId?: string | null;
  team?: string | null;
  kind: LedgerKind;
  /** The task or route name. */
  target: string;
  tier?: string | null;
  model?: string | null;
  provider?: string | null;
  region?: string | null;
  onPrem: boolean;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costProvenance: Provenance;
  energyJ?: number | null;
  energyProvenance: Provenance;
  latencyMs: number;
  cacheHit: boolean;
  escalated: boolean;
  /** PII type → count of redactions. Never the values. */
  pii: Record<string, number>;
  /** The HTTP status answered. */
  status: number;
  errorCode?: string | null;
  /** Only for tasks/routes that opt in, and already redacted by the gateway. */
  body?: string | null;
  stream: boolean;
}

/** A stored row: every field present (null when absent), plus its place in the chain. */
export interface LedgerRow {
  seq: number;
  ts: string;
  requestId: string;
  keyId: string | null;
  team: string | null;
  kind: LedgerKind;
  target: string;
  tier: string | null;
  model: string | null;
  provider: string | null;
  region: string | null;
  onPrem: boolean;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costProvenance: Provenance;
  energyJ: number | null;
  energyProvenance: Provenance;
  latencyMs: number;
  cacheHit: boolean;
  escalated: boolean;
  pii: Record<string, number>;
  status: number;
  errorCode: string | null;
  body: string | null;
  stream: boolean;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Rows checked (up to and including the first broken one). */
  rows: number;
  /** The last row checked; record it somewhere else to also detect a truncated tail later. */
  head?: ChainHead;
  /** Where the chain starts after pruning (seq and hash of the last pruned row). */
  anchor?: ChainHead;
  firstBroken?: { seq: number; requestId: string; reason: string };
}

export interface ExportOptions {
  /** Inclusive lower bound on ts (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on ts (ISO 8601). */
  to?: string;
  format: "jsonl" | "csv";
}

export interface PruneResult {
  deleted: number;
  anchor?: ChainHead;
}

export interface LedgerStore {
  readonly kind: string;
  /** Durable when the promise resolves. */
  append(entry: LedgerEntry): Promise<LedgerRow>;
  verify(): Promise<VerifyResult>;
  /** Streams rows in seq order, a page at a time; `write` may return a promise to apply backpressure. */
  exportRows(options: ExportOptions, write: (chunk: string) => void | Promise<void>): Promise<{ rows: number }>;
  /** Deletes the rows older than `retentionDays` (from the oldest on, stopping at the first newer row). */
  prune(retentionDays: number, now?: number): Promise<PruneResult>;
  count(): Promise<number>;
  /**
   * The task or route row of a request (its first one), by request id: what `POST /v1/feedback` checks a request id
   * against, and where distillation finds the input of a gold answer. Indexed, so one lookup per call.
   */
  findRequest(requestId: string): Promise<LedgerRow | undefined>;
  head(): Promise<ChainHead | undefined>;
  close(): Promise<void>;
}
