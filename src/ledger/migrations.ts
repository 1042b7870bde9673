/**
 * The governance database's schema, as an ordered list of migrations. A migration is never edited once released: a change
 * is a new entry, so a db written by any earlier frugal upgrades in place. `schema_version` holds the version reached.
 */

export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('keys_version', '0');

      -- Only the sha256 of a key is kept: a stolen db file does not hand out working keys.
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL,
        team TEXT NOT NULL,
        name TEXT,
        budget_usd REAL,
        period TEXT,
        rpm INTEGER,
        tpm INTEGER,
        allow TEXT,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) WITHOUT ROWID;

      -- Settled spend per key and budget period, in integer nano-USD so sums are exact.
      CREATE TABLE spend (
        key_id TEXT NOT NULL,
        period TEXT NOT NULL,
        spent_nano_usd INTEGER NOT NULL,
        PRIMARY KEY (key_id, period)
      ) WITHOUT ROWID;

      CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        request_id TEXT NOT NULL,
        key_id TEXT,
        team TEXT,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        tier TEXT,
        model TEXT,
        provider TEXT,
        region TEXT,
        on_prem INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        cost_provenance TEXT NOT NULL,
        energy_j REAL,
        energy_provenance TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        cache_hit INTEGER NOT NULL,
        escalated INTEGER NOT NULL,
        pii TEXT NOT NULL,
        status INTEGER NOT NULL,
        error_code TEXT,
        body TEXT,
        stream INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX ledger_ts ON ledger (ts);
    `,
  },
  {
    // Feedback names a request by id: one indexed lookup instead of a scan of the whole ledger.
    version: 2,
    sql: `CREATE INDEX ledger_request ON ledger (request_id);`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
