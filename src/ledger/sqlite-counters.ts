/**
 * Budgets and rate limits held in this process's memory (the hot path costs no query), with settled spend persisted to
 * the governance db so a restart keeps the period's spend. Writes are batched: settled amounts accumulate and one
 * transaction every `flushIntervalMs` adds them to the `spend` table (adds, not overwrites, so the CLI reading the table
 * never races with us). `flush()`/`close()` write what is pending: a graceful shutdown loses nothing; a `kill -9` loses at
 * most the last interval's settled spend (the ledger rows of those requests are durable and carry their cost).
 * Limits are per process: several gateway processes on one data dir each enforce the full budget (use a shared
 * implementation for that).
 */
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import type { Counters, RateInput, RecordTokensInput, Reservation, ReserveInput, SpendSnapshot } from "./counter-types.ts";
import { type GovernanceDb, withoutBusyWait } from "./db.ts";
import type { BudgetPeriod } from "./key-types.ts";
import { createRateLimiter } from "./rate-limiter.ts";
import { createSpendBook, type PendingSpend, periodKeyOf } from "./spend-book.ts";

export interface SqliteCountersOptions {
  db: GovernanceDb;
  /** How often settled spend is written (default 100 ms); 0 writes on every settle. */
  flushIntervalMs?: number;
  /** A reservation neither settled nor released after this long stops holding budget (default 15 min). */
  reservationTtlMs?: number;
}

const optionsSchema = z.object({
  flushIntervalMs: z.number().int().min(0).max(60_000).default(100),
  reservationTtlMs: z.number().int().positive().default(15 * 60_000),
});

const SWEEP_EVERY_MS = 60_000;

export function createSqliteCounters(options: SqliteCountersOptions): Counters {
  const { flushIntervalMs, reservationTtlMs } = validateConfig(
    optionsSchema,
    { flushIntervalMs: options.flushIntervalMs, reservationTtlMs: options.reservationTtlMs },
    "counters",
  );
  const sqlite = options.db.sqlite;
  const selectSpent = sqlite.prepare("SELECT spent_nano_usd FROM spend WHERE key_id = ? AND period = ?").pluck();
  const addSpent = sqlite.prepare(
    `INSERT INTO spend (key_id, period, spent_nano_usd) VALUES (?, ?, ?)
     ON CONFLICT (key_id, period) DO UPDATE SET spent_nano_usd = spent_nano_usd + excluded.spent_nano_usd`,
  );
  const writeAll = sqlite.transaction((pending: PendingSpend[]) => {
    for (const p of pending) addSpent.run(p.keyId, p.periodKey, p.nano);
  });
  const book = createSpendBook((keyId, periodKey) => (selectSpent.get(keyId, periodKey) as number | undefined) ?? 0);
  const limiter = createRateLimiter();
  let closed = false;
  let lastSweep = Date.now();

  function flushNow(): void {
    const pending = book.takePending();
    if (pending.length === 0) return;
    try {
      writeAll.immediate(pending);
    } catch (error) {
      book.restorePending(pending); // retried on the next flush: settled spend is never dropped for a busy db
      throw error;
    }
  }

  // The timer's flush does not wait for the write lock: another connection (the gateway's ledger writer thread) may hold
  // it, and SQLite's busy wait sleeps on the event loop's thread (1 ms and up). It retries on the next tick instead, and
  // waits like any other write only after a run of busy ticks, so the spend is written under any load.
  let busyTicks = 0;
  const noWait = withoutBusyWait(sqlite);
  function flushWithoutWaiting(): void {
    if (busyTicks >= 10) return flushNow();
    noWait(flushNow);
  }

  function tick(): void {
    const now = Date.now();
    try {
      flushWithoutWaiting();
      busyTicks = 0;
    } catch {
      // The db was locked (past its timeout, or at once for a tick that does not wait): the amounts stay pending and
      // the next tick retries.
      busyTicks++;
    }
    book.expire(now, reservationTtlMs);
    if (now - lastSweep >= SWEEP_EVERY_MS) {
      lastSweep = now;
      book.sweep(now, SWEEP_EVERY_MS);
      limiter.sweep(now);
    }
  }

  // unref: the timer alone never keeps a process (a CLI command, a test) alive.
  const timer = setInterval(tick, flushIntervalMs === 0 ? 1000 : flushIntervalMs);
  timer.unref();

  return {
    kind: "sqlite",
    async reserve(input: ReserveInput) {
      return book.reserve(input);
    },
    async settle(reservation: Reservation, actualCostUsd: number) {
      if (book.settle(reservation, actualCostUsd) && flushIntervalMs === 0) flushNow();
    },
    async release(reservation: Reservation) {
      book.release(reservation);
    },
    async spend(input: { keyId: string; period?: BudgetPeriod; now?: number }): Promise<SpendSnapshot> {
      return book.snapshot(input.keyId, periodKeyOf(input.period ?? "month", input.now ?? Date.now()));
    },
    async checkRate(input: RateInput) {
      return limiter.check(input);
    },
    async recordTokens(input: RecordTokensInput) {
      limiter.record(input);
    },
    async flush() {
      flushNow();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flushNow();
    },
  };
}
