import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { runClosedLoop, runOpenLoop } from "./load-generator.ts";
import { buildSchedule, itemOrder, requestStream } from "./schedule.ts";
import { histogramOf } from "./histogram.ts";

test("Poisson schedule: seeded, increasing, mean gap 1/rate, gaps spread like an exponential", () => {
  const a = buildSchedule({ kind: "poisson", rate: 200, count: 20_000, seed: 7 });
  assert.deepEqual(a, buildSchedule({ kind: "poisson", rate: 200, count: 20_000, seed: 7 }));
  assert.notDeepEqual(a, buildSchedule({ kind: "poisson", rate: 200, count: 20_000, seed: 8 }));
  const gaps = Array.from(a.slice(1), (t, i) => t - (a[i] as number));
  assert.ok(gaps.every((g) => g >= 0));
  const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
  assert.ok(Math.abs(mean - 5) < 0.15, `mean gap ${mean} ms, expected 5`);
  // Exponential: the coefficient of variation is 1 (a constant clock has 0).
  const sd = Math.sqrt(gaps.reduce((x, g) => x + (g - mean) ** 2, 0) / gaps.length);
  assert.ok(Math.abs(sd / mean - 1) < 0.05, `cv ${sd / mean}`);
  const constant = buildSchedule({ kind: "constant", rate: 100, count: 5, seed: 1 });
  assert.deepEqual(Array.from(constant), [0, 10, 20, 30, 40]);
  assert.throws(() => buildSchedule({ kind: "poisson", rate: 0, count: 1, seed: 1 }));
});

test("item order: each pass is a permutation; sequential keeps dataset order", () => {
  const order = itemOrder(5, 12, "shuffle", 3);
  assert.deepEqual([...order.slice(0, 5)].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual([...order.slice(5, 10)].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual([...itemOrder(3, 7, "sequential", 3)], [0, 1, 2, 0, 1, 2, 0]);
});

test("open loop: a slow answer does not hold back later sends, and its latency counts from its scheduled time", async () => {
  const schedule = Float64Array.from([0, 10, 20, 30, 40]);
  let sentBeforeSlowDone = -1;
  let sent = 0;
  const timings: Array<{ index: number; latencyMs: number; lagMs: number; scheduledMs: number }> = [];
  const summary = await runOpenLoop({
    schedule,
    drainMs: 5000,
    send: async (index) => {
      sent++;
      if (index === 0) {
        await sleep(1000);
        sentBeforeSlowDone = sent;
      }
      return index;
    },
    onComplete: (t) => timings.push(t),
  });
  assert.equal(summary.sent, 5);
  assert.equal(summary.completed, 5);
  assert.equal(sentBeforeSlowDone, 5, "every request was sent while the first was still waiting");
  const slow = timings.find((t) => t.index === 0);
  assert.ok(slow !== undefined && slow.latencyMs >= 1000);
  for (const t of timings) assert.ok(t.latencyMs >= t.lagMs, "latency includes the send lag");
  assert.equal(summary.sendLag.count, 5);
});

test("open loop: skip, failed sends recorded as errors, interruption, drain deadline", async () => {
  const schedule = buildSchedule({ kind: "constant", rate: 1000, count: 50, seed: 1 });
  const errors: number[] = [];
  const skipped = await runOpenLoop({
    schedule,
    drainMs: 1000,
    skip: (i) => i % 2 === 0,
    send: async (i) => {
      if (i === 3) throw new Error("boom");
      return i;
    },
    onComplete: (t) => (t.error !== undefined ? errors.push(t.index) : undefined),
  });
  assert.equal(skipped.sent, 25);
  assert.deepEqual(errors, [3]);

  const controller = new AbortController();
  const interrupted = await runOpenLoop({
    schedule: buildSchedule({ kind: "constant", rate: 100, count: 1000, seed: 1 }),
    drainMs: 10_000,
    interruptDrainMs: 50,
    signal: controller.signal,
    send: async (i) => {
      if (i === 5) controller.abort();
      // Requests never answer: they are abandoned at the (short) interrupt deadline, not awaited for 10 s.
      await new Promise(() => undefined);
      return i;
    },
  });
  assert.equal(interrupted.interrupted, true);
  assert.ok(interrupted.sent < 1000);
  assert.equal(interrupted.completed, 0);
  assert.equal(interrupted.abandoned.length, interrupted.sent);
});

test("open loop: sends in schedule order, bursts included; the drain waits for what is in flight, then nothing is abandoned", async () => {
  // 300 requests at 20,000 req/s: gaps of 50 µs, inside the spin window, so most go out in bursts within one turn.
  const order: number[] = [];
  const done: number[] = [];
  const summary = await runOpenLoop({
    schedule: buildSchedule({ kind: "poisson", rate: 20_000, count: 300, seed: 3 }),
    drainMs: 10_000,
    send: async (i) => {
      order.push(i);
      await sleep(i === 299 ? 30 : 0); // the last one is still in flight when the schedule ends
      return i;
    },
    onComplete: (t) => done.push(t.index),
  });
  assert.deepEqual(order, Array.from({ length: 300 }, (_, i) => i));
  assert.equal(summary.sent, 300);
  assert.equal(summary.completed, 300, "the drain waited for the last answer");
  assert.deepEqual(summary.abandoned, []);
  assert.equal(done.at(-1), 299);
  assert.equal(summary.sendLag.count, 300);
});

test("open loop: an abort before the start sends nothing; tuning without naps still sends everything", async () => {
  const controller = new AbortController();
  controller.abort();
  const none = await runOpenLoop({ schedule: Float64Array.from([0, 1, 2]), drainMs: 100, signal: controller.signal, send: async (i) => i });
  assert.deepEqual([none.sent, none.interrupted], [0, true]);
  const turnsOnly = await runOpenLoop({ schedule: Float64Array.from([0, 1, 2, 3]), drainMs: 100, tuning: { napMs: 0 }, send: async (i) => i });
  assert.deepEqual([turnsOnly.sent, turnsOnly.completed], [4, 4]);
});

test("closed loop: never more in flight than the concurrency", async () => {
  let inFlight = 0;
  let peak = 0;
  const summary = await runClosedLoop({
    count: 40,
    concurrency: 3,
    drainMs: 1000,
    send: async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(2);
      inFlight--;
      return 1;
    },
  });
  assert.equal(summary.completed, 40);
  assert.equal(peak, 3);
});

test("HDR histogram percentiles", () => {
  const h = histogramOf(Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.equal(h.count, 1000);
  assert.ok(Math.abs((h.percentile(50) ?? 0) - 500) <= 1);
  assert.ok(Math.abs((h.percentile(99) ?? 0) - 990) <= 1);
  assert.equal(histogramOf([]).percentile(50), null);
});

test("Ctrl-C while draining a finished schedule cuts the drain short; the deadline reports what was abandoned and how long it waited", { timeout: 20_000 }, async () => {
  const controller = new AbortController();
  const summary = await runOpenLoop({
    schedule: buildSchedule({ kind: "constant", rate: 1000, count: 3, seed: 1 }),
    // Without the cut, this waits a minute (the test's own timeout fails first).
    drainMs: 60_000,
    interruptDrainMs: 10,
    signal: controller.signal,
    send: async (i) => {
      if (i === 2) setTimeout(() => controller.abort(), 30); // after the last send: during the drain
      await new Promise(() => undefined);
      return i;
    },
  });
  assert.equal(summary.sent, 3);
  assert.deepEqual(summary.abandoned, [0, 1, 2]);
  assert.deepEqual(summary.abandonedRequests.map((a) => a.index), [0, 1, 2]);
  assert.ok(summary.abandonedRequests.every((a) => a.waitedMs >= a.serviceMs && a.serviceMs > 0), JSON.stringify(summary.abandonedRequests));

  // The same without a signal: the drain deadline passes, the requests are abandoned with their waits.
  const timedOut = await runOpenLoop({ schedule: buildSchedule({ kind: "constant", rate: 1000, count: 2, seed: 1 }), drainMs: 20, send: () => new Promise<number>(() => undefined) });
  assert.equal(timedOut.interrupted, false);
  assert.deepEqual(timedOut.abandoned, [0, 1]);
  assert.ok(timedOut.abandonedRequests.every((a) => a.waitedMs > 0));
});

test("request stream: without repeat each item once; zipf replays a seeded few often, identically for every caller", () => {
  const once = requestStream(50, 50, { order: "shuffle", seed: 4 });
  assert.equal(new Set(once).size, 50);
  const zipf = (seed: number) => requestStream(200, 5000, { order: "shuffle", seed, repeat: { kind: "zipf", exponent: 1.1 } });
  assert.deepEqual(zipf(9), zipf(9), "a function of its inputs: every pipeline gets the same stream");
  assert.notDeepEqual(zipf(9), zipf(10));
  const counts = new Map<number, number>();
  for (const item of zipf(9)) counts.set(item, (counts.get(item) ?? 0) + 1);
  const sorted = [...counts.values()].sort((a, b) => b - a);
  // Rank 1 draws 1/H(200, 1.1) ≈ 20% of 5,000; rank 2 about half as often (2^-1.1); the tail rarely.
  assert.ok((sorted[0] ?? 0) > 700 && (sorted[0] ?? 0) < 1300, `top item ${sorted[0]}`);
  assert.ok((sorted[1] ?? 0) < (sorted[0] ?? 0));
  assert.ok(counts.size < 200 || (sorted[199] ?? 0) < 10);
  const cycle = requestStream(10, 25, { order: "sequential", seed: 1, repeat: { kind: "cycle" } });
  assert.deepEqual([...cycle.slice(0, 10)], Array.from({ length: 10 }, (_, i) => i));
});
