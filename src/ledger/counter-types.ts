/**
 * The Counters contract: budgets and rate limits, on the gateway's hot path. Budgets work by reservation: before a request
 * runs, its maximum cost is reserved against the key's budget for the period; afterwards the reservation is settled with
 * the actual cost (or released when nothing was spent). Admission requires
 *   settled spend in the period + outstanding reservations + this request's maximum cost ≤ budget,
 * checked atomically, so concurrent requests can never jointly overshoot: spend ≤ budget holds exactly as long as every
 * actual cost ≤ the maximum reserved for it. When an actual cost exceeds its reservation (a provider that ignored
 * max_tokens), the overshoot is bounded by that excess of the requests in flight at the time.
 * One small async interface: the in-process implementation (today) and Redis/PostgreSQL ones (later) pass the same
 * contract suite (counters-contract.ts).
 */
import type { BudgetPeriod } from "./key-types.ts";

export interface Reservation {
  readonly id: string;
  readonly keyId: string;
  /** The budget period the reservation counts against, e.g. `month:2025-06` (UTC). Settled spend goes there too. */
  readonly periodKey: string;
  readonly maxCostUsd: number;
}

export interface ReserveInput {
  keyId: string;
  maxCostUsd: number;
  /** Absent: no limit, but the spend is still recorded for the period. */
  budgetUsd?: number;
  /** Default "month". */
  period?: BudgetPeriod;
  /** Epoch ms; default Date.now(). */
  now?: number;
}

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  | { ok: false; spentUsd: number; reservedUsd: number; budgetUsd: number; periodKey: string };

export interface SpendSnapshot {
  keyId: string;
  periodKey: string;
  spentUsd: number;
  reservedUsd: number;
}

export interface RateInput {
  keyId: string;
  /** Requests per minute; absent = no request limit. */
  rpm?: number;
  /** Tokens per minute; absent = no token limit. */
  tpm?: number;
  /** Tokens charged at admission (the estimated prompt); corrected later with recordTokens. */
  tokens: number;
  now?: number;
}

export type RateResult = { ok: true } | { ok: false; retryAfterMs: number; limit: "rpm" | "tpm" };

export interface RecordTokensInput {
  keyId: string;
  tpm?: number;
  /** What checkRate charged for this request. */
  estimatedTokens: number;
  /** The real total (prompt + completion) once known. */
  actualTokens: number;
  now?: number;
}

export interface Counters {
  readonly kind: string;
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /** Releases the reservation and records the actual spend. Settling or releasing twice is a no-op. */
  settle(reservation: Reservation, actualCostUsd: number): Promise<void>;
  /** For a request that failed before spending anything. */
  release(reservation: Reservation): Promise<void>;
  spend(input: { keyId: string; period?: BudgetPeriod; now?: number }): Promise<SpendSnapshot>;
  /** Admits a request under the key's rpm and tpm, or says how long to wait. A refused request is not counted. */
  checkRate(input: RateInput): Promise<RateResult>;
  recordTokens(input: RecordTokensInput): Promise<void>;
  /** Makes every settled spend durable (implementations may batch writes in between). */
  flush(): Promise<void>;
  /** Flushes, then stops background work. */
  close(): Promise<void>;
}
