/**
 * The open-loop generator's decisions, on a fake clock: which wait it picks, and which requests a wake-up sends, in what
 * order and at what time. No timing asserts: the clock is a variable the test moves.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SEND_CLOCK, nextWaitStep, sendDueBurst, type SendClockTuning } from "./send-clock.ts";

const tuning: SendClockTuning = { spinMs: 0.05, immediateMs: 1.5, napMs: 0.1, wakeEarlyMs: 0.15, maxBurst: 4 };

test("the wait: a timer far ahead (waking early), naps then turns closer, a spin at the end, a send when due", () => {
  assert.deepEqual(nextWaitStep(10, tuning), { kind: "timer", ms: 8.5 });
  assert.deepEqual(nextWaitStep(2.4, tuning), { kind: "nap", ms: 0.1 }, "under immediateMs + 1 ms a timer would be a 1 ms timer");
  assert.deepEqual(nextWaitStep(0.2, tuning).kind, "nap");
  assert.ok((nextWaitStep(0.2, tuning) as { ms: number }).ms <= 0.2 - tuning.wakeEarlyMs + 1e-12, "a nap ends wakeEarlyMs before the send");
  assert.deepEqual(nextWaitStep(0.12, tuning), { kind: "turn" });
  assert.deepEqual(nextWaitStep(0.05, tuning), { kind: "spin" });
  assert.deepEqual(nextWaitStep(0, tuning), { kind: "send" });
  assert.deepEqual(nextWaitStep(-3, tuning), { kind: "send" }, "overdue");
  assert.deepEqual(nextWaitStep(1, { ...tuning, napMs: 0 }), { kind: "turn" }, "napping off: turns only");
  assert.ok(DEFAULT_SEND_CLOCK.spinMs < DEFAULT_SEND_CLOCK.wakeEarlyMs && DEFAULT_SEND_CLOCK.wakeEarlyMs < DEFAULT_SEND_CLOCK.immediateMs);
});

/** A clock that advances `stepMs` per read, and the sends it saw. */
function fakeRun(schedule: number[], at: number, options: { stepMs?: number; skip?: (i: number) => boolean; halted?: () => boolean } = {}) {
  let clock = at;
  const sends: Array<{ index: number; due: number; sentAt: number }> = [];
  const next = sendDueBurst(0, {
    dueAt: (i) => schedule[i] as number,
    count: schedule.length,
    skip: options.skip,
    now: () => (clock += options.stepMs ?? 0.001),
    fire: (index, due, sentAt) => sends.push({ index, due, sentAt }),
    tuning,
    ...(options.halted !== undefined ? { halted: options.halted } : {}),
  });
  return { next, sends };
}

test("a wake-up sends what is due and what falls within the spin window, in order, none before its time", () => {
  // 0.00 and 0.02 are due within the spin window of t = 0; 0.03 too (spun for); 1.0 is not.
  const { next, sends } = fakeRun([0, 0.02, 0.03, 1.0], -0.01);
  assert.deepEqual(sends.map((s) => s.index), [0, 1, 2]);
  assert.equal(next, 3, "the next wake-up starts at the first request not yet due");
  for (const s of sends) assert.ok(s.sentAt >= s.due, `request ${s.index} sent before its time`);
});

test("an overdue backlog goes out in bursts of maxBurst, skipped requests are passed over, a halt stops mid-burst", () => {
  const schedule = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
  const first = fakeRun(schedule, 10);
  assert.deepEqual(first.sends.map((s) => s.index), [0, 1, 2, 3], "maxBurst 4, then a turn");
  assert.equal(first.next, 4);
  assert.ok(first.sends.every((s) => s.sentAt - s.due > 9), "lag recorded from the scheduled time");

  const skipping = fakeRun(schedule, 10, { skip: (i) => i % 2 === 1 });
  assert.deepEqual(skipping.sends.map((s) => s.index), [0, 2, 4, 6]);
  assert.equal(skipping.next, 7);

  let checks = 0;
  const halted = fakeRun(schedule, 10, { halted: () => checks++ >= 2 }); // Ctrl-C after the second send
  assert.deepEqual(halted.sends.map((s) => s.index), [0, 1]);
  assert.equal(halted.next, 2);
});
