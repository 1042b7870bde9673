/**
 * Ledger rows between the gateway, the hash and SQL. Entries are checked by hand (no schema library: this runs on every
 * request) for exactly what would break the chain later: a NaN prints as null in JSON, a lone UTF-16 surrogate does not
 * survive SQLite's UTF-8 (nor a NUL PostgreSQL's text), a non-canonical timestamp would not sort. What is stored is what is hashed, byte for byte.
 */
import { FrugalError } from "../core/errors.ts";
import { canonicalRowJson, type HashedRow } from "./ledger-hash.ts";
import type { LedgerEntry, LedgerKind, LedgerRow } from "./ledger-types.ts";
import type { StoredRow } from "./ledger-verify.ts";

const KINDS = new Set<string>(["task", "route", "audit", "event", "feedback"]);
const PROVENANCES = new Set<string>(["measured", "modeled", "not_measured"]);
// Lone UTF-16 surrogates do not survive UTF-8 (SQLite, PostgreSQL) and PostgreSQL's text cannot hold NUL: both become
// U+FFFD before hashing, so every store keeps exactly the text that was hashed.
const UNSTORABLE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g;

function bad(field: string, message: string): FrugalError {
  return new FrugalError("input_invalid", `ledger entry: ${field}: ${message}`, { details: { field } });
}

function text(field: string, value: unknown, required: true): string;
function text(field: string, value: unknown, required: false): string | null;
function text(field: string, value: unknown, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw bad(field, "required");
    return null;
  }
  if (typeof value !== "string" || (required && value === "")) throw bad(field, "expected a non-empty string");
  // Nearly every value is well-formed and NUL-free: two native checks instead of the regex's scan (ten fields a request).
  return (value as WellFormedString).isWellFormed() && !value.includes("\u0000") ? value : value.replace(UNSTORABLE, "\uFFFD");
}

/** ES2024's String.prototype.isWellFormed, in Node since 20 (the project's lib is ES2023). */
type WellFormedString = string & { isWellFormed(): boolean };

function amount(field: string, value: unknown, integer: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw bad(field, `expected a finite ${integer ? "integer" : "number"} >= 0`);
  }
  return value;
}

function flag(field: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw bad(field, "expected a boolean");
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: Set<string>): T {
  if (typeof value !== "string" || !allowed.has(value)) throw bad(field, `expected one of ${[...allowed].join(", ")}`);
  return value as T;
}

function counts(value: unknown): Record<string, number> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad("pii", "expected an object of counts");
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(value)) out[text("pii key", key, true)] = amount(`pii.${key}`, n, true);
  return out;
}

// The last instant formatted: under load several requests end in the same millisecond.
let lastInstant = { ms: Number.NaN, iso: "" };

function timestamp(value: string | undefined, now: number): string {
  if (value === undefined) {
    if (now !== lastInstant.ms) lastInstant = { ms: now, iso: new Date(now).toISOString() };
    return lastInstant.iso;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw bad("ts", `not an ISO 8601 instant: ${value}`);
  return new Date(ms).toISOString();
}

/** The row to hash and store, minus its chain fields (seq is set inside the append transaction). */
export function normalizeEntry(entry: LedgerEntry, now: number): Omit<HashedRow, "seq"> {
  const status = amount("status", entry.status, true);
  if (status < 100 || status > 599) throw bad("status", "expected an HTTP status (100-599)");
  return {
    ts: timestamp(entry.ts, now),
    requestId: text("requestId", entry.requestId, true),
    keyId: text("keyId", entry.keyId, false),
    team: text("team", entry.team, false),
    kind: oneOf<LedgerKind>("kind", entry.kind, KINDS),
    target: text("target", entry.target, true),
    tier: text("tier", entry.tier, false),
    model: text("model", entry.model, false),
    provider: text("provider", entry.provider, false),
    region: text("region", entry.region, false),
    onPrem: flag("onPrem", entry.onPrem),
    inputTokens: amount("inputTokens", entry.inputTokens, true),
    outputTokens: amount("outputTokens", entry.outputTokens, true),
    costUsd: amount("costUsd", entry.costUsd, false),
    costProvenance: oneOf("costProvenance", entry.costProvenance, PROVENANCES),
    energyJ: entry.energyJ === undefined || entry.energyJ === null ? null : amount("energyJ", entry.energyJ, false),
    energyProvenance: oneOf("energyProvenance", entry.energyProvenance, PROVENANCES),
    latencyMs: amount("latencyMs", entry.latencyMs, false),
    cacheHit: flag("cacheHit", entry.cacheHit),
    escalated: flag("escalated", entry.escalated),
    pii: counts(entry.pii),
    status,
    errorCode: text("errorCode", entry.errorCode, false),
    body: text("body", entry.body, false),
    stream: flag("stream", entry.stream),
  };
}

/** An append waiting for its group commit: the checked fields, and how to settle the caller's promise. */
export interface PendingAppend {
  fields: Omit<HashedRow, "seq">;
  resolve: (row: LedgerRow) => void;
  reject: (error: unknown) => void;
}

/** A store's append: the entry is checked now (a refused one rejects at once), then queued for the next group commit. */
export function queueAppend(entry: LedgerEntry, now: number, enqueue: (pending: PendingAppend) => void): Promise<LedgerRow> {
  let fields: Omit<HashedRow, "seq">;
  try {
    fields = normalizeEntry(entry, now);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => enqueue({ fields, resolve, reject }));
}

/**
 * Whether a stored row is this entry appended again (same content, chain fields aside). Stores make appends idempotent
 * with it: a replay (the spill file, a retry after a lost COMMIT acknowledgement) returns the stored row. Only identical
 * content counts: a client may send the same x-request-id twice, and two different requests must never share one row.
 */
export function isSameEntry(stored: LedgerRow, fields: Omit<HashedRow, "seq">): boolean {
  return stored.requestId === fields.requestId && canonicalRowJson({ ...stored, seq: 0 }) === canonicalRowJson({ ...fields, seq: 0 });
}

const DAY_MS = 86_400_000;

/** The ts before which `prune(retentionDays)` deletes rows (ISO, so it compares with stored ts as text). */
export function pruneCutoff(retentionDays: number, at: number): string {
  if (!Number.isFinite(retentionDays) || retentionDays < 0) {
    throw new FrugalError("input_invalid", `retention days: expected a number >= 0, got ${retentionDays}`);
  }
  return new Date(at - retentionDays * DAY_MS).toISOString();
}

/** Column order of the ledger table (also the CSV header). */
export const LEDGER_COLUMNS = [
  "seq", "ts", "request_id", "key_id", "team", "kind", "target", "tier", "model", "provider", "region", "on_prem",
  "input_tokens", "output_tokens", "cost_usd", "cost_provenance", "energy_j", "energy_provenance", "latency_ms",
  "cache_hit", "escalated", "pii", "status", "error_code", "body", "stream", "prev_hash", "hash",
] as const;

export type LedgerSqlRow = Record<(typeof LEDGER_COLUMNS)[number], string | number | null>;

export function toSqlParams(row: LedgerRow): unknown[] {
  return [
    row.seq, row.ts, row.requestId, row.keyId, row.team, row.kind, row.target, row.tier, row.model, row.provider,
    row.region, row.onPrem ? 1 : 0, row.inputTokens, row.outputTokens, row.costUsd, row.costProvenance, row.energyJ,
    row.energyProvenance, row.latencyMs, row.cacheHit ? 1 : 0, row.escalated ? 1 : 0, JSON.stringify(row.pii), row.status,
    row.errorCode, row.body, row.stream ? 1 : 0, row.prevHash, row.hash,
  ];
}

function bit(column: string, value: unknown): boolean {
  if (value === 0 || value === 1) return value === 1;
  throw new Error(`${column} is ${String(value)}, not 0 or 1`);
}

/** A stored row, or why it no longer parses (verify reports the latter as the first broken row). */
export function readStored(raw: LedgerSqlRow): StoredRow {
  try {
    return { ok: true, row: fromSqlRow(raw) };
  } catch (error) {
    return { ok: false, seq: Number(raw.seq), requestId: String(raw.request_id), error: (error as Error).message };
  }
}

/** A stored row back as the gateway wrote it. Throws on a row that no longer parses (reported by verify as broken). */
export function fromSqlRow(r: LedgerSqlRow): LedgerRow {
  return {
    seq: r.seq as number,
    ts: r.ts as string,
    requestId: r.request_id as string,
    keyId: r.key_id as string | null,
    team: r.team as string | null,
    kind: r.kind as LedgerKind,
    target: r.target as string,
    tier: r.tier as string | null,
    model: r.model as string | null,
    provider: r.provider as string | null,
    region: r.region as string | null,
    onPrem: bit("on_prem", r.on_prem),
    inputTokens: r.input_tokens as number,
    outputTokens: r.output_tokens as number,
    costUsd: r.cost_usd as number,
    costProvenance: r.cost_provenance as LedgerRow["costProvenance"],
    energyJ: r.energy_j as number | null,
    energyProvenance: r.energy_provenance as LedgerRow["energyProvenance"],
    latencyMs: r.latency_ms as number,
    cacheHit: bit("cache_hit", r.cache_hit),
    escalated: bit("escalated", r.escalated),
    pii: JSON.parse(r.pii as string) as Record<string, number>,
    status: r.status as number,
    errorCode: r.error_code as string | null,
    body: r.body as string | null,
    stream: bit("stream", r.stream),
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
}
