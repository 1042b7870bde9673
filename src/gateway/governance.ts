/**
 * Who may ask, how much they may spend, and the record of what they did: the gateway's view of src/ledger. One object per
 * gateway wires the key store, the counters and the ledger store, so a route handler reads as
 *   caller = authenticate(); authorize(caller, target); admission = admit(...); ...; finish(admission, row).
 * Admission checks the rate limit first (cheap, no reservation to undo), then reserves the request's maximum cost; finish
 * appends the ledger row (durable before the response's last byte leaves) and settles the reservation with the real cost.
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
  onReject?: (reason: "budget" | "rate" | "auth" | "forbidden") => void;
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
      const record = caller.record;
      if (caller.keyId === null || record === undefined) return { caller, reservation: undefined, estimatedTokens: cost.estimatedTokens };
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
    },
    async recordRefusal(caller, request, error) {
      const e = toFrugalError(error);
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
        if (admission?.reservation !== undefined) await counters.settle(admission.reservation, entry.costUsd);
        const record = admission?.caller.record;
        if (admission !== undefined && record?.tpm !== undefined && admission.caller.keyId !== null) {
          await counters.recordTokens({ keyId: admission.caller.keyId, tpm: record.tpm, estimatedTokens: admission.estimatedTokens, actualTokens: entry.inputTokens + entry.outputTokens });
        }
      }
    },
  };
}
