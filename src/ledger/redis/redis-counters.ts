/**
 * Budgets and rate limits shared by every replica through one Redis: N gateway processes on one prefix share one budget
 * with the guarantee of one (spend ≤ budget while every actual cost ≤ its reservation; beyond that, overshoot ≤ the excess
 * of the requests in flight). Each operation is one Lua script (scripts.ts), run with EVALSHA by ioredis.
 *
 * Money is integer nano-USD in Redis (HINCRBY), the unit of the SQLite counters: integer sums are exact, so the
 * admission test `spent + reserved + max ≤ budget` is a true statement and not one up to float rounding, and N replicas
 * adding costs in any order agree to the last digit. Lua numbers are doubles: exact up to 2^53 nano-USD, about $9M per key
 * and period.
 *
 * Needs Redis ≥ 5 (scripts that read TIME and then write, replicated by effects) on a standalone server or a primary;
 * not Redis Cluster (a bucket's three keys carry no hash tag).
 *
 * Redis unreachable: every call fails with FrugalError("budget_store_unavailable") naming the server (the gateway fails
 * closed, or open by config): at once while the connection is known to be down, within commandTimeoutMs when a first
 * connection is in progress or the server stops answering. The connection keeps retrying in the background (every second
 * at most), so the first request after Redis returns succeeds. A reserve whose reply was lost may have run: its reservation then holds budget
 * until it expires (reservationTtlMs), which errs on the refusing side and never on the overspending one.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Redis } from "ioredis";
import { validateConfig } from "../../core/config-file.ts";
import { FrugalError, isFrugalError } from "../../core/errors.ts";
import type { Counters, RateInput, RecordTokensInput, Reservation, ReserveInput, SpendSnapshot } from "../counter-types.ts";
import type { BudgetPeriod } from "../key-types.ts";
import { fromNanoUsd, periodKeyOf, toNanoUsd } from "../spend-book.ts";
import { openRedis } from "./connection.ts";
import { CHECK_RATE, FINISH, RECORD_TOKENS, RESERVE, SPEND } from "./scripts.ts";

export interface RedisCountersOptions {
  /** redis://[user:password@]host:port/db */
  url: string;
  /** Namespace of every key (default "frugal:"): replicas of one deployment share it, other deployments use another. */
  prefix?: string;
  /** A reservation neither settled nor released after this long stops holding budget (default 15 min, as SQLite). */
  reservationTtlMs?: number;
  /** Per command; also the longest a call waits for a reconnection in progress (default 500 ms). */
  commandTimeoutMs?: number;
}

const optionsSchema = z.object({
  url: z.string().regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL"),
  prefix: z.string().default("frugal:"),
  reservationTtlMs: z.number().int().positive().default(15 * 60_000),
  commandTimeoutMs: z.number().int().positive().max(60_000).default(500),
});

/** How long a period's spend stays in Redis after the period ends: the whole next month can still show last month's. */
const RETENTION_MS = 35 * 24 * 3600_000;

type Args = (string | number)[];
interface Scripted extends Redis {
  frugalReserve(...args: Args): Promise<[number, number, number]>;
  frugalFinish(...args: Args): Promise<number>;
  frugalSpend(...args: Args): Promise<[number, number]>;
  frugalCheckRate(...args: Args): Promise<[number, number?, ("rpm" | "tpm")?]>;
  frugalRecordTokens(...args: Args): Promise<number>;
}

/** The instant a stored period ends (`day:2025-06-30` → 2025-07-01T00:00Z). */
export function periodEndOf(periodKey: string): number {
  const [kind, date] = periodKey.split(":") as [string, string];
  const [y, m, d] = date.split("-").map(Number) as [number, number, number?];
  return kind === "day" ? Date.UTC(y, m - 1, (d ?? 1) + 1) : Date.UTC(y, m, 1);
}

export function createRedisCounters(options: RedisCountersOptions): Counters {
  const { url, prefix, reservationTtlMs, commandTimeoutMs } = validateConfig(optionsSchema, options, "counters.redis");
  const connection = openRedis({ url, commandTimeoutMs, role: "budget store" });
  const client = connection.client as Scripted;
  client.defineCommand("frugalReserve", { numberOfKeys: 3, lua: RESERVE });
  client.defineCommand("frugalFinish", { numberOfKeys: 3, lua: FINISH });
  client.defineCommand("frugalSpend", { numberOfKeys: 3, lua: SPEND });
  client.defineCommand("frugalCheckRate", { numberOfKeys: 1, lua: CHECK_RATE });
  client.defineCommand("frugalRecordTokens", { numberOfKeys: 1, lua: RECORD_TOKENS });
  // Unique across replicas and restarts: a reservation id is never reused on a shared bucket.
  const instance = randomBytes(6).toString("hex");
  let nextId = 0;
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  // The period key has a fixed shape (`day:YYYY-MM-DD`, `month:YYYY-MM`), so `<period>:<keyId>` is unambiguous.
  const bucketKeys = (keyId: string, periodKey: string): string[] => ["b", "r", "x"].map((k) => `${prefix}${k}:${periodKey}:${keyId}`);
  const rateKey = (keyId: string): string => `${prefix}rate:${keyId}`;
  const nowArg = (now: number | undefined): string => (now === undefined ? "" : String(now));
  const member = (r: Reservation): string => `${r.id}:${toNanoUsd(r.maxCostUsd, "maxCostUsd")}`;

  async function call<T>(op: (c: Scripted) => Promise<T>): Promise<T> {
    if (closed) throw new FrugalError("budget_store_unavailable", `budget store redis at ${connection.where}: the counters are closed`);
    const pending = connection.run(() => op(client));
    inFlight.add(pending);
    try {
      return await pending;
    } catch (error) {
      if (isFrugalError(error)) throw error;
      throw new FrugalError("budget_store_unavailable", connection.describe(error), { cause: error });
    } finally {
      inFlight.delete(pending);
    }
  }

  async function flush(): Promise<void> {
    // Every settle is written by its own script before it resolves: only calls still in flight can be pending.
    await Promise.allSettled([...inFlight]);
  }

  const finish = (reservation: Reservation, actualNano: string): Promise<number> => {
    const keys = bucketKeys(reservation.keyId, reservation.periodKey);
    return call((c) => c.frugalFinish(...keys, member(reservation), actualNano, periodEndOf(reservation.periodKey), RETENTION_MS));
  };

  return {
    kind: "redis",
    async reserve(input: ReserveInput) {
      const maxNano = toNanoUsd(input.maxCostUsd, "maxCostUsd");
      const budgetNano = input.budgetUsd === undefined ? "" : String(toNanoUsd(input.budgetUsd, "budgetUsd"));
      // The period follows the caller's clock (or this host's): at a month boundary a skew of ms picks either side.
      const periodKey = periodKeyOf(input.period ?? "month", input.now ?? Date.now());
      const reservation: Reservation = Object.freeze({ id: `${instance}-${++nextId}`, keyId: input.keyId, periodKey, maxCostUsd: input.maxCostUsd });
      const keys = bucketKeys(input.keyId, periodKey);
      const [admitted, spent, reserved] = await call((c) =>
        c.frugalReserve(...keys, nowArg(input.now), maxNano, budgetNano, member(reservation), reservationTtlMs, periodEndOf(periodKey), RETENTION_MS),
      );
      if (admitted === 1) return { ok: true as const, reservation };
      return { ok: false as const, spentUsd: fromNanoUsd(spent), reservedUsd: fromNanoUsd(reserved), budgetUsd: input.budgetUsd ?? 0, periodKey };
    },
    async settle(reservation: Reservation, actualCostUsd: number) {
      await finish(reservation, String(toNanoUsd(actualCostUsd, "actualCostUsd")));
    },
    async release(reservation: Reservation) {
      await finish(reservation, "");
    },
    async spend(input: { keyId: string; period?: BudgetPeriod; now?: number }): Promise<SpendSnapshot> {
      const periodKey = periodKeyOf(input.period ?? "month", input.now ?? Date.now());
      const [spent, reserved] = await call((c) => c.frugalSpend(...bucketKeys(input.keyId, periodKey), nowArg(input.now)));
      return { keyId: input.keyId, periodKey, spentUsd: fromNanoUsd(spent), reservedUsd: fromNanoUsd(reserved) };
    },
    async checkRate(input: RateInput) {
      if (input.rpm === undefined && input.tpm === undefined) return { ok: true as const };
      const [ok, wait, limit] = await call((c) =>
        c.frugalCheckRate(rateKey(input.keyId), nowArg(input.now), input.rpm ?? "", input.tpm ?? "", Math.max(0, input.tokens)),
      );
      return ok === 1 ? { ok: true as const } : { ok: false as const, retryAfterMs: wait ?? 0, limit: limit ?? "rpm" };
    },
    async recordTokens(input: RecordTokensInput) {
      if (input.tpm === undefined) return;
      await call((c) => c.frugalRecordTokens(rateKey(input.keyId), nowArg(input.now), input.tpm!, input.actualTokens - input.estimatedTokens));
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      await connection.close();
    },
  };
}
