/**
 * API keys in the governance db. `authenticate` runs on every gateway request, so records are cached in memory; the cache
 * is dropped when `keys_version` (bumped by every create/revoke, whichever process made it) changes. Checking it costs a
 * `PRAGMA data_version` read at most once per `recheckMs`: that pragma changes only when another connection committed,
 * so the gateway notices a `frugal keys revoke` from the CLI within about a second without a query per request.
 */
import type Database from "better-sqlite3";
import type { GovernanceDb } from "./db.ts";
import { keyIdOf, newKeyId, newKeySecret, validateCreateKey } from "./key-format.ts";
import { type CachedKey, cachedKeyOf, type KeyRow, newKeyRow, recordOf, createSecretMatcher } from "./key-rows.ts";
import type { CreateKeyInput, CreatedKey, KeyRecord, KeyStore } from "./key-types.ts";

export interface SqliteKeyStoreOptions {
  db: GovernanceDb;
  /** How often to look for changes made by other processes (default 1000 ms). */
  recheckMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export function createSqliteKeyStore(options: SqliteKeyStoreOptions): KeyStore {
  const sqlite: Database.Database = options.db.sqlite;
  const now = options.now ?? Date.now;
  const recheckMs = options.recheckMs ?? 1000;
  const statements = {
    insert: sqlite.prepare(
      `INSERT INTO api_keys (id, key_hash, team, name, budget_usd, period, rpm, tpm, allow, created_at)
       VALUES (@id, @key_hash, @team, @name, @budget_usd, @period, @rpm, @tpm, @allow, @created_at)`,
    ),
    byId: sqlite.prepare("SELECT * FROM api_keys WHERE id = ?"),
    all: sqlite.prepare("SELECT * FROM api_keys ORDER BY created_at, id"),
    revoke: sqlite.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
    bump: sqlite.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'keys_version'"),
    version: sqlite.prepare("SELECT value FROM meta WHERE key = 'keys_version'").pluck(),
    dataVersion: sqlite.prepare("PRAGMA data_version").pluck(),
  };
  const cache = new Map<string, CachedKey>();
  const secrets = createSecretMatcher();
  let dataVersion = statements.dataVersion.get() as number;
  let keysVersion = statements.version.get() as string;
  let checkedAt = now();

  function dropCacheIfChangedElsewhere(): void {
    const t = now();
    if (t - checkedAt < recheckMs) return;
    checkedAt = t;
    const dv = statements.dataVersion.get() as number;
    if (dv === dataVersion) return;
    dataVersion = dv;
    // Another connection committed something (a ledger row, spend, a key): only a key change empties the cache.
    const kv = statements.version.get() as string;
    if (kv !== keysVersion) {
      keysVersion = kv;
      cache.clear();
    }
  }

  function load(id: string): CachedKey | undefined {
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    // Not cached: a key created by another process a moment ago is usable at once, and ids that exist nowhere cost one
    // indexed read (they are not cached, so a flood of made-up ids cannot grow memory).
    const row = statements.byId.get(id) as KeyRow | undefined;
    if (row === undefined) return undefined;
    const entry = cachedKeyOf(row);
    cache.set(id, entry);
    return entry;
  }

  const writeAndBump = sqlite.transaction((write: () => void) => {
    write();
    statements.bump.run();
    keysVersion = statements.version.get() as string;
  });

  return {
    kind: "sqlite",
    async create(input: CreateKeyInput): Promise<CreatedKey> {
      const valid = validateCreateKey(input);
      let id = newKeyId();
      while (statements.byId.get(id) !== undefined) id = newKeyId();
      const key = newKeySecret(id);
      const createdAt = new Date(now()).toISOString();
      const { revoked_at: _revoked, ...row } = newKeyRow(id, key, valid, createdAt);
      writeAndBump.immediate(() => statements.insert.run(row));
      const record = load(id)?.record;
      if (record === undefined) throw new Error(`key ${id} vanished after insert`);
      return { id, key, record };
    },

    async authenticate(presentedKey: string): Promise<KeyRecord | undefined> {
      const id = keyIdOf(presentedKey);
      if (id === undefined) return undefined;
      dropCacheIfChangedElsewhere();
      const entry = load(id);
      if (entry === undefined || !secrets.matches(presentedKey, entry)) return undefined;
      return entry.record.revokedAt === undefined ? entry.record : undefined;
    },

    async get(id: string): Promise<KeyRecord | undefined> {
      const row = statements.byId.get(id) as KeyRow | undefined;
      return row === undefined ? undefined : recordOf(row);
    },

    async list(listOptions: { includeRevoked?: boolean } = {}): Promise<KeyRecord[]> {
      const records = (statements.all.all() as KeyRow[]).map(recordOf);
      return listOptions.includeRevoked === true ? records : records.filter((r) => r.revokedAt === undefined);
    },

    async revoke(id: string): Promise<KeyRecord | undefined> {
      if (statements.byId.get(id) === undefined) return undefined;
      writeAndBump.immediate(() => statements.revoke.run(new Date(now()).toISOString(), id));
      cache.delete(id);
      return load(id)?.record;
    },

    async close(): Promise<void> {
      cache.clear();
      secrets.clear();
    },
  };
}
