/**
 * Per-key rate limits with GCRA (the generic cell rate algorithm): one "theoretical arrival time" per key and limit instead
 * of a log of timestamps, O(1) per request, and an exact Retry-After. A limit of L per minute behaves as a bucket of L
 * units refilled continuously at L/min: a key may burst its whole minute at once, then waits for the refill.
 * A single request larger than the whole bucket (a 20k-token prompt under tpm=10k) is admitted when the bucket is full,
 * leaving a debt later requests wait out; refusing it forever with a Retry-After would be a lie.
 */
import type { RateInput, RateResult, RecordTokensInput } from "./counter-types.ts";

const WINDOW_MS = 60_000;

interface KeyRate {
  rpmTat: number;
  tpmTat: number;
}

interface Decision {
  allowed: boolean;
  newTat: number;
  waitMs: number;
}

function decide(tat: number, limitPerMinute: number, cost: number, now: number): Decision {
  const interval = WINDOW_MS / limitPerMinute;
  const start = Math.max(tat, now);
  const newTat = start + cost * interval;
  const oversized = cost * interval > WINDOW_MS;
  if (newTat - now <= WINDOW_MS || (oversized && tat <= now)) return { allowed: true, newTat, waitMs: 0 };
  return { allowed: false, newTat: tat, waitMs: oversized ? start - now : newTat - now - WINDOW_MS };
}

export interface RateLimiter {
  check(input: RateInput): RateResult;
  record(input: RecordTokensInput): void;
  /** Forgets keys whose buckets are full again (their state equals a fresh key's). */
  sweep(now: number): void;
  readonly size: number;
}

export function createRateLimiter(): RateLimiter {
  const keys = new Map<string, KeyRate>();
  return {
    check(input: RateInput): RateResult {
      if (input.rpm === undefined && input.tpm === undefined) return { ok: true };
      const now = input.now ?? Date.now();
      const state = keys.get(input.keyId) ?? { rpmTat: now, tpmTat: now };
      const rpm = input.rpm === undefined ? undefined : decide(state.rpmTat, input.rpm, 1, now);
      const tpm = input.tpm === undefined ? undefined : decide(state.tpmTat, input.tpm, Math.max(0, input.tokens), now);
      const rpmWait = rpm?.allowed === false ? rpm.waitMs : 0;
      const tpmWait = tpm?.allowed === false ? tpm.waitMs : 0;
      if (rpmWait > 0 || tpmWait > 0) {
        // Ceil: a client that waits exactly Retry-After must then be admitted.
        return { ok: false, retryAfterMs: Math.ceil(Math.max(rpmWait, tpmWait)), limit: rpmWait >= tpmWait ? "rpm" : "tpm" };
      }
      // Both limits pass: only now is either charged, so a request refused by one limit costs nothing on the other.
      if (rpm !== undefined) state.rpmTat = rpm.newTat;
      if (tpm !== undefined) state.tpmTat = tpm.newTat;
      keys.set(input.keyId, state);
      return { ok: true };
    },

    record(input: RecordTokensInput): void {
      if (input.tpm === undefined) return;
      const state = keys.get(input.keyId);
      if (state === undefined) return;
      // A refund (fewer real tokens than estimated) may move the arrival time into the past: check() clamps it to now.
      state.tpmTat += (input.actualTokens - input.estimatedTokens) * (WINDOW_MS / input.tpm);
    },

    sweep(now: number): void {
      for (const [keyId, state] of keys) if (state.rpmTat <= now && state.tpmTat <= now) keys.delete(keyId);
    },

    get size(): number {
      return keys.size;
    },
  };
}
