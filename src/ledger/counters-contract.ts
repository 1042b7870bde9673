/**
 * The contract every Counters implementation passes: in-process over SQLite today, Redis/PostgreSQL later. `open()` starts
 * an implementation over the harness's storage; opening again after `close()` is a restart.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { createRng } from "../core/random.ts";
import { isFrugalError } from "../core/errors.ts";
import type { Counters } from "./counter-types.ts";

export interface CountersHarness {
  open(): Promise<Counters>;
  cleanup(): Promise<void>;
}

const JUNE = Date.parse("2025-06-15T12:00:00Z");

export function runCountersContract(name: string, harness: () => Promise<CountersHarness>): void {
  test(`${name}: 100 concurrent requests never overshoot the budget, and some are refused`, async () => {
    const h = await harness();
    const counters = await h.open();
    const rng = createRng(7);
    const maxCost = 0.01;
    const budget = 10 * maxCost;
    let settled = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await sleep(Math.floor(rng() * 3));
        const r = await counters.reserve({ keyId: "k", maxCostUsd: maxCost, budgetUsd: budget, period: "month", now: JUNE });
        if (!r.ok) {
          refused++;
          assert.ok(r.spentUsd + r.reservedUsd + maxCost > budget - 1e-12);
          return;
        }
        await sleep(Math.floor(rng() * 5)); // the upstream call: other requests reserve meanwhile
        if (i % 10 === 0) return counters.release(r.reservation);
        const actual = Math.round(rng() * maxCost * 1e6) / 1e6;
        settled += actual;
        await counters.settle(r.reservation, actual);
      }),
    );
    const spend = await counters.spend({ keyId: "k", period: "month", now: JUNE });
    assert.ok(Math.abs(spend.spentUsd - settled) < 1e-9, `${spend.spentUsd} vs ${settled}`);
    assert.ok(spend.spentUsd <= budget, `spent ${spend.spentUsd} > budget ${budget}`);
    assert.equal(spend.reservedUsd, 0);
    assert.ok(refused > 0, "the budget must have refused requests");
    await counters.close();
    await h.cleanup();
  });

  test(`${name}: reserve, settle and release account exactly; settling twice counts once`, async () => {
    const h = await harness();
    const counters = await h.open();
    const input = { keyId: "a", maxCostUsd: 0.4, budgetUsd: 1, period: "day" as const, now: JUNE };
    const first = await counters.reserve(input);
    const second = await counters.reserve(input);
    assert.ok(first.ok && second.ok);
    const third = await counters.reserve(input);
    assert.ok(!third.ok);
    assert.equal(third.reservedUsd, 0.8);
    await counters.settle(first.reservation, 0.1);
    await counters.settle(first.reservation, 0.1);
    await counters.release(second.reservation);
    await counters.release(first.reservation);
    assert.deepEqual(await counters.spend({ keyId: "a", period: "day", now: JUNE }), { keyId: "a", periodKey: "day:2025-06-15", spentUsd: 0.1, reservedUsd: 0 });
    assert.ok((await counters.reserve({ ...input, maxCostUsd: 0.9 })).ok, "0.1 spent + 0.9 fits a budget of 1");
    assert.ok((await counters.reserve({ keyId: "other", maxCostUsd: 5, now: JUNE })).ok, "no budget: never refused");
    await assert.rejects(counters.reserve({ ...input, maxCostUsd: Number.NaN }), (e: unknown) => isFrugalError(e) && e.code === "input_invalid");
    await counters.close();
    await h.cleanup();
  });

  test(`${name}: settled spend survives a restart, and a new period starts from zero`, async () => {
    const h = await harness();
    const before = await h.open();
    const r = await before.reserve({ keyId: "k", maxCostUsd: 1, budgetUsd: 2, period: "month", now: JUNE });
    assert.ok(r.ok);
    await before.settle(r.reservation, 1.5);
    await before.close();
    const after = await h.open();
    assert.equal((await after.spend({ keyId: "k", period: "month", now: JUNE })).spentUsd, 1.5);
    assert.ok(!(await after.reserve({ keyId: "k", maxCostUsd: 1, budgetUsd: 2, period: "month", now: JUNE })).ok);
    const july = Date.parse("2025-07-01T00:00:00Z");
    assert.ok((await after.reserve({ keyId: "k", maxCostUsd: 1, budgetUsd: 2, period: "month", now: july })).ok);
    await after.close();
    await h.cleanup();
  });

  test(`${name}: rpm refuses with an exact Retry-After, and waiting it out admits the request`, async () => {
    const h = await harness();
    const counters = await h.open();
    const at = (now: number) => counters.checkRate({ keyId: "r", rpm: 2, tokens: 0, now });
    assert.deepEqual(await at(JUNE), { ok: true });
    assert.deepEqual(await at(JUNE), { ok: true });
    const refused = await at(JUNE + 1000);
    assert.deepEqual(refused, { ok: false, retryAfterMs: 29_000, limit: "rpm" });
    assert.deepEqual(await at(JUNE + 1000 + 29_000), { ok: true });
    assert.deepEqual(await counters.checkRate({ keyId: "other", rpm: 2, tokens: 0, now: JUNE + 1000 }), { ok: true }, "limits are per key");
    await counters.close();
    await h.cleanup();
  });

  test(`${name}: tpm charges the estimate at admission and the real total afterwards`, async () => {
    const h = await harness();
    const counters = await h.open();
    const check = (tokens: number) => counters.checkRate({ keyId: "t", tpm: 1000, rpm: 100, tokens, now: JUNE });
    assert.deepEqual(await check(800), { ok: true });
    assert.deepEqual(await check(300), { ok: false, retryAfterMs: 6000, limit: "tpm" });
    await counters.recordTokens({ keyId: "t", tpm: 1000, estimatedTokens: 800, actualTokens: 200, now: JUNE });
    assert.deepEqual(await check(300), { ok: true }, "the refund made room");
    await counters.recordTokens({ keyId: "t", tpm: 1000, estimatedTokens: 300, actualTokens: 1300, now: JUNE });
    assert.deepEqual(await check(1), { ok: false, retryAfterMs: 30_060, limit: "tpm" }, "an overrun is charged");
    // A request larger than the whole bucket waits for a full bucket, then goes.
    assert.deepEqual(await check(5000), { ok: false, retryAfterMs: 90_000, limit: "tpm" });
    assert.deepEqual(await counters.checkRate({ keyId: "t", tpm: 1000, tokens: 5000, now: JUNE + 90_000 }), { ok: true });
    await counters.close();
    await h.cleanup();
  });
}
