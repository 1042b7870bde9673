/**
 * Who may ask, how much they may spend, and the record of what they did: the gateway's view of src/ledger. One object per
 * gateway wires the key store, the counters and the ledger store, so a route handler reads as
 *   caller = authenticate(); authorize(caller, target); admission = admit(...); ...; finish(admission, row).
 * Admission checks the rate limit first (cheap, no reservation to undo), then reserves the request's maximum cost; finish
 * appends the ledger row (durable before the response's last byte leaves) and settles the reservation with the real cost.
 * When a store is down (issue 10's decided behaviour): unreachable counters refuse a limited key with 503
 * `budget_store_unavailable` (`counters.on_unavailable: closed`, the default) or admit it unreserved (`open`); a ledger
 * that cannot record a row (PostgreSQL down and its spill full) refuses every request with 503 `ledger_unavailable`
 * before anything is spent, since an unrecorded request is worse than a refused one.
 */
import { FrugalError, toFrugalError } from "../core/errors.ts";
import type { Counters, KeyRecord, KeyStore, LedgerEntry, LedgerKind, LedgerStore, Reservation } from "../ledger/index.ts";

export interface Caller {
  keyId: string | null;
  team: string;
  record: KeyRecord | undefined;
}

export interface Admission {
  caller: Caller;
  reservation: Reservation | undefined;
  estimatedTokens: number;
}

export interface Governance {
  authenticate(authorization: string | undefined): Promise<Caller>;
  /** 403 when the key's allow-list does not name the task or route. */
  authorize(caller: Caller, target: string): void;
  /** Rate limit, then budget reservation; throws rate_limited (with Retry-After) or budget_exceeded. */
  admit(caller: Caller, cost: { maxCostUsd: number | null; estimatedTokens: number }): Promise<Admission>;
  /** Ledger row first (durable), then the reservation is settled with the real cost and the tokens recorded. */
  finish(admission: Admission | undefined, entry: LedgerEntry): Promise<void>;
  /**
   * The ledger row of a request refused or failed after authentication but before any tier or upstream spent (allow-list,
   * PII block, rate, budget): for record-keeping a refusal is a request too. PII counts: the request's, else the
   * error's `details.pii` (set when the guard refused).
   */
  recordRefusal(caller: Caller, request: RefusedRequest, error: unknown): Promise<void>;
}

export interface RefusedRequest {
  requestId: string;
  kind: LedgerKind;
  target: string;
  stream: boolean;
  latencyMs: number;
  pii?: Record<string, number>;
}

export interface GovernanceOptions {
  keys: KeyStore;
  counters: Counters;
  ledger: LedgerStore;
  requireKeys: boolean;
  /** What a limited key gets while the counters are unreachable. Default closed. */
  onCountersUnavailable?: "closed" | "open";
  /** False while the ledger cannot record a row: requests are refused before anything is spent. Default: always true. */
  ledgerWritable?: () => boolean;
  onReject?: (reason: "budget" | "rate" | "auth" | "forbidden" | "store") => void;
  /** A counters call failed: `mode` says what the request got (closed: refused; open: admitted unreserved); none after admission. */
  onCountersFailure?: (error: FrugalError, mode: "closed" | "open" | undefined) => void;
}

function isCountersDown(error: unknown): error is FrugalError {
  return error instanceof FrugalError && error.code === "budget_store_unavailable";
}

const ANONYMOUS: Caller = { keyId: null, team: "anonymous", record: undefined };

function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

export function createGovernance(options: GovernanceOptions): Governance {
  const { keys, counters, ledger } = options;
  const reject = options.onReject ?? (() => undefined);
  const countersMode = options.onCountersUnavailable ?? "closed";

  /** Rate limit, then the budget reservation: the path a request takes while the counters answer. */
  async function reserve(caller: Caller & { keyId: string }, record: KeyRecord, cost: { maxCostUsd: number | null; estimatedTokens: number }): Promise<Admission> {
    if (record.rpm !== undefined || record.tpm !== undefined) {
      const rate = await counters.checkRate({
        keyId: caller.keyId,
        tokens: cost.estimatedTokens,
        ...(record.rpm !== undefined ? { rpm: record.rpm } : {}),
        ...(record.tpm !== undefined ? { tpm: record.tpm } : {}),
      });
      if (!rate.ok) {
        reject("rate");
        throw new FrugalError("rate_limited", `rate limit of this key reached (${rate.limit === "rpm" ? `${record.rpm} requests` : `${record.tpm} tokens`} per minute)`, {
          retryAfterMs: rate.retryAfterMs,
        });
      }
    }
    if (cost.maxCostUsd === null && record.budgetUsd !== undefined) {
      reject("forbidden");
      throw new FrugalError("forbidden", "this key has a budget, and the model it asks for has no price row: add it to prices.overrides", { details: { param: "model" } });
    }
    const reserved = await counters.reserve({
      keyId: caller.keyId,
      maxCostUsd: cost.maxCostUsd ?? 0,
      ...(record.budgetUsd !== undefined ? { budgetUsd: record.budgetUsd } : {}),
      ...(record.period !== undefined ? { period: record.period } : {}),
    });
    if (!reserved.ok) {
      reject("budget");
      const left = Math.max(0, reserved.budgetUsd - reserved.spentUsd - reserved.reservedUsd);
      throw new FrugalError(
        "budget_exceeded",
        `budget of team ${caller.team} exceeded for ${reserved.periodKey}: $${reserved.spentUsd.toFixed(6)} spent and $${reserved.reservedUsd.toFixed(6)} reserved of $${reserved.budgetUsd}; this request may cost up to $${(cost.maxCostUsd ?? 0).toFixed(6)} ($${left.toFixed(6)} left)`,
      );
    }
    return { caller, reservation: reserved.reservation, estimatedTokens: cost.estimatedTokens };
  }

  /**
   * After the answer: a counters failure must not fail a response whose cost is already spent and ledgered. The
   * reservation then expires in the store (its TTL) and the spend is missing from the period's total: reported, not hidden.
   */
  async function afterAnswer(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (!isCountersDown(error)) throw error;
      options.onCountersFailure?.(error, undefined);
    }
  }

  return {
    async authenticate(authorization) {
      const presented = bearer(authorization);
      if (presented === undefined) {
        if (!options.requireKeys) return ANONYMOUS;
        reject("auth");
        throw new FrugalError("unauthorized", "missing API key: send `Authorization: Bearer <key>` (create one with `frugal keys create --team <team>`)");
      }
      const record = await keys.authenticate(presented);
      if (record === undefined) {
        reject("auth");
        throw new FrugalError("unauthorized", "invalid or revoked API key");
      }
      return { keyId: record.id, team: record.team, record };
    },
    authorize(caller, target) {
      const allow = caller.record?.allow;
      if (allow !== undefined && !allow.includes(target)) {
        reject("forbidden");
        throw new FrugalError("forbidden", `this key may not use "${target}" (allowed: ${allow.join(", ")})`, { details: { param: "model" } });
      }
    },
    async admit(caller, cost) {
      if (options.ledgerWritable?.() === false) {
        reject("store");
        throw new FrugalError("ledger_unavailable", "the ledger cannot record requests right now (its store is down and the local spill is full): retry shortly", { retryAfterMs: 1000 });
      }
      const { keyId, record } = caller;
      if (keyId === null || record === undefined) return { caller, reservation: undefined, estimatedTokens: cost.estimatedTokens };
      try {
        return await reserve({ ...caller, keyId }, record, cost);
      } catch (error) {
        if (!isCountersDown(error)) throw error;
        // A key with no budget and no rate limit has nothing to enforce: it is served whatever the mode.
        const limited = record.budgetUsd !== undefined || record.rpm !== undefined || record.tpm !== undefined;
        const mode = limited ? countersMode : "open";
        options.onCountersFailure?.(error, mode);
        if (mode === "open") return { caller, reservation: undefined, estimatedTokens: cost.estimatedTokens };
        reject("store");
        throw new FrugalError("budget_store_unavailable", "the budget store cannot be reached and budgets fail closed (counters.on_unavailable: closed): retry shortly", { retryAfterMs: 1000, cause: error });
      }
    },
    async recordRefusal(caller, request, error) {
      const e = toFrugalError(error);
      // Refused because the ledger cannot write: there is nowhere to record the refusal (/metrics counts it).
      if (e.code === "ledger_unavailable") return;
      const found = e.details.pii !== null && typeof e.details.pii === "object" ? (e.details.pii as Record<string, number>) : {};
      const { pii = found, ...rest } = request;
      await ledger.append({
        ...rest,
        keyId: caller.keyId,
        team: caller.team,
        onPrem: false,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        costProvenance: "measured",
        energyProvenance: "measured",
        cacheHit: false,
        escalated: false,
        pii,
        status: e.status,
        errorCode: e.code,
      });
    },
    async finish(admission, entry) {
      try {
        await ledger.append(entry);
      } finally {
        // Settle even if the ledger write failed: the money was spent either way.
        const reservation = admission?.reservation;
        if (reservation !== undefined) await afterAnswer(() => counters.settle(reservation, entry.costUsd));
        const keyId = admission?.caller.keyId;
        const tpm = admission?.caller.record?.tpm;
        if (admission !== undefined && tpm !== undefined && keyId != null) {
          await afterAnswer(() => counters.recordTokens({ keyId, tpm, estimatedTokens: admission.estimatedTokens, actualTokens: entry.inputTokens + entry.outputTokens }));
        }
      }
    },
  };
}
