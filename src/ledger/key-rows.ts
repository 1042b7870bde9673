/** API key records between the stores and SQL: the one row layout the SQLite and PostgreSQL key stores share. */
import { hashesMatch, hashKey } from "./key-format.ts";
import type { BudgetPeriod, CreateKeyInput, KeyRecord } from "./key-types.ts";

export interface KeyRow {
  id: string;
  key_hash: string;
  team: string;
  name: string | null;
  budget_usd: number | null;
  period: string | null;
  rpm: number | null;
  tpm: number | null;
  allow: string | null;
  created_at: string;
  revoked_at: string | null;
}

export interface CachedKey {
  record: KeyRecord;
  hash: Buffer;
}

/** The row of a new key: only the sha256 of the secret is kept. `input` is already validated. */
export function newKeyRow(id: string, key: string, input: CreateKeyInput, createdAt: string): KeyRow {
  return {
    id,
    key_hash: hashKey(key).toString("hex"),
    team: input.team,
    name: input.name ?? null,
    budget_usd: input.budgetUsd ?? null,
    period: input.period ?? null,
    rpm: input.rpm ?? null,
    tpm: input.tpm ?? null,
    allow: input.allow === undefined ? null : JSON.stringify(input.allow),
    created_at: createdAt,
    revoked_at: null,
  };
}

export function recordOf(row: KeyRow): KeyRecord {
  const record: KeyRecord = { id: row.id, team: row.team, createdAt: row.created_at };
  if (row.name !== null) record.name = row.name;
  if (row.budget_usd !== null) record.budgetUsd = row.budget_usd;
  if (row.period !== null) record.period = row.period as BudgetPeriod;
  if (row.rpm !== null) record.rpm = row.rpm;
  if (row.tpm !== null) record.tpm = row.tpm;
  if (row.allow !== null) record.allow = JSON.parse(row.allow) as string[];
  if (row.revoked_at !== null) record.revokedAt = row.revoked_at;
  // Cached records are shared between requests: a caller must not be able to widen a key's limits by mutating one.
  if (record.allow !== undefined) Object.freeze(record.allow);
  return Object.freeze(record);
}

export function cachedKeyOf(row: KeyRow): CachedKey {
  return { record: recordOf(row), hash: Buffer.from(row.key_hash, "hex") };
}

/**
 * Whether a presented secret is the one a cached key was created with. The sha256 runs once per (secret, cached entry):
 * the gateway authenticates every request, and hashing was ~2% of a routed request's CPU. A secret that matched is
 * remembered against the entry object it matched, so a reloaded entry (a key changed elsewhere, or its cache TTL passed)
 * is hashed again, and revocation is still read from the entry. Only secrets that matched are kept (made-up ones cannot
 * grow the map). They are looked up in a Map, which compares two strings only when their hashes (seeded per process)
 * collide, rather than with a `===` against the stored secret whose time would depend on the matching prefix.
 */
export function createSecretMatcher(maxRemembered = 10_000): { matches(presented: string, entry: CachedKey): boolean; clear(): void } {
  const verified = new Map<string, CachedKey>();
  return {
    matches(presented, entry) {
      if (verified.get(presented) === entry) return true;
      if (!hashesMatch(hashKey(presented), entry.hash)) return false;
      if (verified.size >= maxRemembered) verified.clear();
      verified.set(presented, entry);
      return true;
    },
    clear: () => verified.clear(),
  };
}
