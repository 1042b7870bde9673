/**
 * The PostgreSQL schema of frugal's shared stores (ledger, keys), as versioned migrations. A migration is never edited once
 * released: a change is a new entry. `frugal_migrations` records what was applied. Every replica migrates at start, inside
 * one transaction holding a transaction-scoped advisory lock keyed on the schema, so replicas starting together apply each
 * migration exactly once; a database migrated by a newer frugal is refused rather than written with an older layout.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { FrugalError } from "../../core/errors.ts";
import { GENESIS_HASH } from "../ledger-hash.ts";
import { inTransaction } from "./pg-pool.ts";

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: "ledger and api keys",
    sql: `
      -- The same columns as the SQLite ledger (booleans as 0/1, ts as canonical ISO text), so one row mapper and one hash
      -- formula serve both stores, and an export from either verifies the same way.
      CREATE TABLE ledger (
        seq bigint PRIMARY KEY,
        ts text NOT NULL,
        request_id text NOT NULL,
        key_id text,
        team text,
        kind text NOT NULL,
        target text NOT NULL,
        tier text,
        model text,
        provider text,
        region text,
        on_prem smallint NOT NULL,
        input_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL,
        cost_usd double precision NOT NULL,
        cost_provenance text NOT NULL,
        energy_j double precision,
        energy_provenance text NOT NULL,
        latency_ms double precision NOT NULL,
        cache_hit smallint NOT NULL,
        escalated smallint NOT NULL,
        pii text NOT NULL,
        status integer NOT NULL,
        error_code text,
        body text,
        stream smallint NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX ledger_ts ON ledger (ts);
      CREATE INDEX ledger_request ON ledger (request_id);

      -- One global chain for all replicas: its head is one row, locked (FOR UPDATE) by each group commit.
      CREATE TABLE ledger_head (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL);
      INSERT INTO ledger_head (seq, hash) VALUES (0, '${GENESIS_HASH}');
      -- Where the chain starts after pruning (seq 0: nothing pruned yet); its own row, so a prune never holds the head's lock.
      CREATE TABLE ledger_anchor (id boolean PRIMARY KEY DEFAULT true CHECK (id), seq bigint NOT NULL, hash text NOT NULL);
      INSERT INTO ledger_anchor (seq, hash) VALUES (0, '${GENESIS_HASH}');

      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        key_hash text NOT NULL,
        team text NOT NULL,
        name text,
        budget_usd double precision,
        period text,
        rpm bigint,
        tpm bigint,
        allow text,
        created_at text NOT NULL,
        revoked_at text
      );
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** A 64-bit advisory lock key per schema: replicas of one deployment serialise, test schemas do not wait on each other. */
function lockKey(schema: string): string {
  return createHash("sha256").update(`frugal_migrations:${schema}`).digest().readBigInt64BE(0).toString();
}

/** Brings `schema` (created if missing) to the latest version; returns the version reached. */
export async function migratePg(pool: pg.Pool, schema: string): Promise<number> {
  return inTransaction(pool, "BEGIN", async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey(schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`SET LOCAL search_path TO "${schema}"`);
    await client.query("CREATE TABLE IF NOT EXISTS frugal_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const current = Number((await client.query<{ v: number | null }>("SELECT max(version) AS v FROM frugal_migrations")).rows[0]?.v ?? 0);
    if (current > PG_SCHEMA_VERSION) {
      throw new FrugalError(
        "input_invalid",
        `postgres schema "${schema}" is at version ${current}, newer than this frugal supports (${PG_SCHEMA_VERSION}); upgrade frugal`,
        { details: { schema, schemaVersion: current, supported: PG_SCHEMA_VERSION } },
      );
    }
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO frugal_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
    }
    return Math.max(current, PG_SCHEMA_VERSION);
  });
}
