/**
 * Governance for the gateway: API keys, budgets and rate limits that hold under concurrency, and the hash-chained audit
 * ledger. Three small async interfaces (KeyStore, Counters, LedgerStore), SQLite implementations over one db file, and a
 * contract suite per interface for the implementations to come.
 */
export type { BudgetPeriod, CreateKeyInput, CreatedKey, KeyRecord, KeyStore } from "./key-types.ts";
export type {
  Counters,
  RateInput,
  RateResult,
  RecordTokensInput,
  Reservation,
  ReserveInput,
  ReserveResult,
  SpendSnapshot,
} from "./counter-types.ts";
export type { ChainHead, ExportOptions, LedgerEntry, LedgerKind, LedgerRow, LedgerStore, PruneResult, VerifyResult } from "./ledger-types.ts";
export { openGovernanceDb, type GovernanceDb, type GovernanceDbOptions } from "./db.ts";
export { DEFAULT_DATA_DIR, GOVERNANCE_DB_FILE } from "./paths.ts";
export { LATEST_SCHEMA_VERSION } from "./migrations.ts";
export { keyAllows, keyIdOf } from "./key-format.ts";
export { createSqliteKeyStore, type SqliteKeyStoreOptions } from "./sqlite-key-store.ts";
export { createSqliteCounters, type SqliteCountersOptions } from "./sqlite-counters.ts";
export { periodKeyOf } from "./spend-book.ts";
export { createSqliteLedgerStore, type SqliteLedgerStoreOptions } from "./sqlite-ledger-store.ts";
export { canonicalJson, GENESIS_HASH, rowHash } from "./ledger-hash.ts";
export { EXPORT_FIELDS } from "./ledger-export.ts";
export { openSqliteGovernance, type Governance, type SqliteGovernanceOptions } from "./governance.ts";
