/**
 * The KeyStore contract: API keys for the gateway. A key is shown once at creation and kept only as its sha256; the record
 * carries the key's team, budget, rate limits and allow-list, which the gateway enforces. One small async interface so the
 * SQLite store (today) and PostgreSQL (later) pass the same contract suite (key-store-contract.ts).
 */

export type BudgetPeriod = "day" | "month";

export interface KeyRecord {
  id: string;
  team: string;
  name?: string;
  /** Spend limit per period; absent = no budget (spend is still recorded). */
  budgetUsd?: number;
  /** The budget's period (UTC day or month); set whenever budgetUsd is. */
  period?: BudgetPeriod;
  /** Requests per minute; absent = unlimited. */
  rpm?: number;
  /** Tokens per minute; absent = unlimited. */
  tpm?: number;
  /** Task or route names this key may use; absent = all. */
  allow?: string[];
  createdAt: string;
  revokedAt?: string;
}

/** What a key is created with: its record, less what the store assigns. */
export type CreateKeyInput = Omit<KeyRecord, "id" | "createdAt" | "revokedAt">;

export interface CreatedKey {
  id: string;
  /** The secret, `fk-<id>-<secret>`: returned here once, never stored. */
  key: string;
  record: KeyRecord;
}

export interface KeyStore {
  readonly kind: string;
  create(input: CreateKeyInput): Promise<CreatedKey>;
  /**
   * The record of a presented key, or undefined for a malformed, unknown or revoked key. Called on every gateway request:
   * implementations cache, but a revocation made elsewhere takes effect within about a second.
   */
  authenticate(presentedKey: string): Promise<KeyRecord | undefined>;
  get(id: string): Promise<KeyRecord | undefined>;
  /** Oldest first; never includes secrets or hashes. */
  list(options?: { includeRevoked?: boolean }): Promise<KeyRecord[]>;
  /** Revokes a key (idempotent); undefined when no key has this id. */
  revoke(id: string): Promise<KeyRecord | undefined>;
  close(): Promise<void>;
}
