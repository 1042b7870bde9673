/**
 * The in-memory side of budgets: per key and period, settled spend, outstanding reservations and the spend not yet
 * written to the db. Amounts are integer nano-USD so that sums are exact and `spend ≤ budget` is a true statement, not
 * one up to float rounding. Every operation is synchronous, which is what makes a reservation atomic in one Node process:
 * no other request can run between the check and the increment.
 */
import { FrugalError } from "../core/errors.ts";
import type { Reservation, ReserveInput, ReserveResult, SpendSnapshot } from "./counter-types.ts";
import type { BudgetPeriod } from "./key-types.ts";
import { createOpenReservations } from "./open-reservations.ts";

const NANO = 1e9;

export function toNanoUsd(usd: number, what: string): number {
  if (!Number.isFinite(usd) || usd < 0) throw new FrugalError("input_invalid", `${what}: expected a finite amount >= 0, got ${usd}`);
  return Math.round(usd * NANO);
}

export function fromNanoUsd(nano: number): number {
  return nano / NANO;
}

// The last period computed, per kind: every reservation asks, and nearly always for the same day or month.
const lastPeriod: Record<BudgetPeriod, { from: number; to: number; key: string }> = { day: { from: 0, to: 0, key: "" }, month: { from: 0, to: 0, key: "" } };

/** The UTC day or month an instant falls in, as stored: `day:2025-06-30`, `month:2025-06`. */
export function periodKeyOf(period: BudgetPeriod, now: number): string {
  const last = lastPeriod[period];
  if (now >= last.from && now < last.to) return last.key;
  const at = new Date(now);
  const iso = at.toISOString();
  const [year, month, day] = [at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()];
  if (period === "day") lastPeriod.day = { from: Date.UTC(year, month, day), to: Date.UTC(year, month, day + 1), key: `day:${iso.slice(0, 10)}` };
  else lastPeriod.month = { from: Date.UTC(year, month, 1), to: Date.UTC(year, month + 1, 1), key: `month:${iso.slice(0, 7)}` };
  return lastPeriod[period].key;
}

interface Bucket {
  keyId: string;
  periodKey: string;
  spentNano: number;
  reservedNano: number;
  pendingNano: number;
  touchedAt: number;
}

export interface PendingSpend {
  keyId: string;
  periodKey: string;
  nano: number;
}

export interface SpendBook {
  reserve(input: ReserveInput): ReserveResult;
  /** Returns false when the reservation was already settled or released. */
  settle(reservation: Reservation, actualCostUsd: number): boolean;
  release(reservation: Reservation): void;
  snapshot(keyId: string, periodKey: string): SpendSnapshot;
  /** Spend settled since the last call, to be persisted; handed back with restorePending if the write fails. */
  takePending(): PendingSpend[];
  restorePending(pending: PendingSpend[]): void;
  /** Releases reservations older than ttlMs (a request the gateway never settled must not hold budget forever). */
  expire(now: number, ttlMs: number): number;
  /** Forgets idle buckets with nothing outstanding; they reload from the db when used again. */
  sweep(now: number, idleMs: number): void;
  readonly outstanding: number;
}

/** `loadSpentNano` reads the persisted spend of a bucket the first time it is used in this process. */
export function createSpendBook(loadSpentNano: (keyId: string, periodKey: string) => number): SpendBook {
  const buckets = new Map<string, Bucket>();
  const open = createOpenReservations<Bucket>();
  // Expired reservations may still be settled late: their spend must count, once. Bounded, oldest forgotten first.
  const expired = new Map<string, { keyId: string; periodKey: string }>();
  let nextId = 0;

  function bucketOf(keyId: string, periodKey: string, now: number): Bucket {
    const id = `${keyId}\u0000${periodKey}`;
    let bucket = buckets.get(id);
    if (bucket === undefined) {
      bucket = { keyId, periodKey, spentNano: loadSpentNano(keyId, periodKey), reservedNano: 0, pendingNano: 0, touchedAt: now };
      buckets.set(id, bucket);
    }
    bucket.touchedAt = now;
    return bucket;
  }

  function addSpend(bucket: Bucket, nano: number): void {
    bucket.spentNano += nano;
    bucket.pendingNano += nano;
  }

  return {
    reserve(input: ReserveInput): ReserveResult {
      const now = input.now ?? Date.now();
      const maxNano = toNanoUsd(input.maxCostUsd, "maxCostUsd");
      const bucket = bucketOf(input.keyId, periodKeyOf(input.period ?? "month", now), now);
      if (input.budgetUsd !== undefined) {
        const budgetNano = toNanoUsd(input.budgetUsd, "budgetUsd");
        if (bucket.spentNano + bucket.reservedNano + maxNano > budgetNano) {
          return { ok: false, spentUsd: fromNanoUsd(bucket.spentNano), reservedUsd: fromNanoUsd(bucket.reservedNano), budgetUsd: input.budgetUsd, periodKey: bucket.periodKey };
        }
      }
      bucket.reservedNano += maxNano;
      const reservation = open.open({ id: `r${++nextId}`, keyId: input.keyId, periodKey: bucket.periodKey, maxCostUsd: input.maxCostUsd }, { bucket, nano: maxNano, createdAt: now });
      return { ok: true, reservation };
    },

    settle(reservation: Reservation, actualCostUsd: number): boolean {
      const actualNano = toNanoUsd(actualCostUsd, "actualCostUsd");
      const entry = open.close(reservation);
      if (entry !== undefined) {
        entry.bucket.reservedNano -= entry.nano;
        addSpend(entry.bucket, actualNano);
        return true;
      }
      const late = expired.get(reservation.id);
      if (late === undefined) return false;
      expired.delete(reservation.id);
      // Looked up again: the bucket may have been swept since the reservation expired.
      addSpend(bucketOf(late.keyId, late.periodKey, Date.now()), actualNano);
      return true;
    },

    release(reservation: Reservation): void {
      const entry = open.close(reservation);
      if (expired.size > 0) expired.delete(reservation.id);
      if (entry === undefined) return;
      entry.bucket.reservedNano -= entry.nano;
    },

    snapshot(keyId: string, periodKey: string): SpendSnapshot {
      const bucket = bucketOf(keyId, periodKey, Date.now());
      return { keyId, periodKey, spentUsd: fromNanoUsd(bucket.spentNano), reservedUsd: fromNanoUsd(bucket.reservedNano) };
    },

    takePending(): PendingSpend[] {
      const pending: PendingSpend[] = [];
      for (const bucket of buckets.values()) {
        if (bucket.pendingNano === 0) continue;
        pending.push({ keyId: bucket.keyId, periodKey: bucket.periodKey, nano: bucket.pendingNano });
        bucket.pendingNano = 0;
      }
      return pending;
    },

    restorePending(pending: PendingSpend[]): void {
      for (const p of pending) bucketOf(p.keyId, p.periodKey, Date.now()).pendingNano += p.nano;
    },

    expire(now: number, ttlMs: number): number {
      const late = open.closeWhere((entry) => now - entry.createdAt >= ttlMs);
      for (const entry of late) {
        entry.bucket.reservedNano -= entry.nano;
        expired.set(entry.id, { keyId: entry.bucket.keyId, periodKey: entry.bucket.periodKey });
      }
      for (const id of expired.keys()) {
        if (expired.size <= 10_000) break;
        expired.delete(id);
      }
      return late.length;
    },

    sweep(now: number, idleMs: number): void {
      const busy = new Set<Bucket>([...open.entries()].map((o) => o.bucket));
      for (const [id, bucket] of buckets) {
        if (bucket.pendingNano === 0 && !busy.has(bucket) && now - bucket.touchedAt > idleMs) buckets.delete(id);
      }
    },

    get outstanding(): number {
      return open.size;
    },
  };
}
