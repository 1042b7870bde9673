/**
 * API keys on PostgreSQL, shared by every replica. `authenticate` runs on every request, so a key's record is cached per
 * process for `cacheTtlMs` (default 1000 ms): a revocation made through any replica (or the CLI) is seen by all within that
 * TTL, at the cost of one indexed read per key per TTL. Ids that exist nowhere are not cached (made-up ids cannot grow
 * memory). While PostgreSQL is unreachable, a key seen before keeps working on its last known record (the gateway stays up
 * through a blink, and its ledger rows spill); a key never seen gets a 503, not a 401: it may well be valid.
 */
import type pg from "pg";
import { FrugalError } from "../../core/errors.ts";
import { keyIdOf, newKeyId, newKeySecret, validateCreateKey } from "../key-format.ts";
import { type CachedKey, cachedKeyOf, type KeyRow, newKeyRow, recordOf, createSecretMatcher } from "../key-rows.ts";
import type { CreateKeyInput, CreatedKey, KeyRecord, KeyStore } from "../key-types.ts";
import { isTransientStoreError } from "./pg-pool.ts";

export interface PgKeyStoreOptions {
  pool: pg.Pool;
  cacheTtlMs?: number;
  now?: () => number;
}

const COLUMNS = ["id", "key_hash", "team", "name", "budget_usd", "period", "rpm", "tpm", "allow", "created_at", "revoked_at"] as const;

export function createPgKeyStore(options: PgKeyStoreOptions): KeyStore {
  const { pool } = options;
  const ttl = options.cacheTtlMs ?? 1000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CachedKey & { at: number }>();
  const secrets = createSecretMatcher();

  async function row(id: string): Promise<KeyRow | undefined> {
    return (await pool.query<KeyRow>({ name: "frugal_key_by_id", text: "SELECT * FROM api_keys WHERE id = $1", values: [id] })).rows[0];
  }

  async function load(id: string): Promise<CachedKey | undefined> {
    const hit = cache.get(id);
    if (hit !== undefined && now() - hit.at < ttl) return hit;
    let found: KeyRow | undefined;
    try {
      found = await row(id);
    } catch (error) {
      if (!isTransientStoreError(error)) throw error;
      if (hit !== undefined) return hit; // stale beats refusing every caller while the store blinks
      throw new FrugalError("ledger_unavailable", "the key store (PostgreSQL) is unreachable: retry shortly", { cause: error });
    }
    if (found === undefined) {
      cache.delete(id);
      return undefined;
    }
    const entry = { ...cachedKeyOf(found), at: now() };
    cache.set(id, entry);
    return entry;
  }

  return {
    kind: "postgres",
    async create(input: CreateKeyInput): Promise<CreatedKey> {
      const valid = validateCreateKey(input);
      const createdAt = new Date(now()).toISOString();
      for (;;) {
        const id = newKeyId();
        const key = newKeySecret(id);
        const values = newKeyRow(id, key, valid, createdAt);
        const sql = `INSERT INTO api_keys (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (id) DO NOTHING RETURNING *`;
        const inserted = (await pool.query<KeyRow>(sql, COLUMNS.map((c) => values[c]))).rows[0];
        if (inserted !== undefined) return { id, key, record: recordOf(inserted) }; // else: an id collision, draw again
      }
    },

    async authenticate(presentedKey: string): Promise<KeyRecord | undefined> {
      const id = keyIdOf(presentedKey);
      if (id === undefined) return undefined;
      const entry = await load(id);
      if (entry === undefined || !secrets.matches(presentedKey, entry)) return undefined;
      return entry.record.revokedAt === undefined ? entry.record : undefined;
    },

    async get(id: string): Promise<KeyRecord | undefined> {
      const found = await row(id);
      return found === undefined ? undefined : recordOf(found);
    },

    async list(listOptions: { includeRevoked?: boolean } = {}): Promise<KeyRecord[]> {
      const where = listOptions.includeRevoked === true ? "" : "WHERE revoked_at IS NULL";
      return (await pool.query<KeyRow>(`SELECT * FROM api_keys ${where} ORDER BY created_at, id`)).rows.map(recordOf);
    },

    async revoke(id: string): Promise<KeyRecord | undefined> {
      await pool.query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [new Date(now()).toISOString(), id]);
      cache.delete(id);
      return this.get(id);
    },

    async close(): Promise<void> {
      cache.clear();
      secrets.clear();
    },
  };
}
