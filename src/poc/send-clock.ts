/**
 * How the open-loop generator waits for the next send time: the decision, kept apart from the event loop so it can be
 * tested without a clock. setTimeout wakes 1-2 ms late (libuv keeps milliseconds), far too coarse at 2,000 req/s (a
 * 0.5 ms mean gap), so the wait has three stages, chosen afresh on every wake-up:
 *
 * - more than `immediateMs` (+ 1 ms) away: a timer, set to wake `immediateMs` early;
 * - closer, down to `wakeEarlyMs`: short naps (a futex wait of at most `napMs`, Atomics.wait) each followed by one
 *   event-loop turn (setImmediate), so responses and other I/O are handled at least every `napMs`;
 * - within `wakeEarlyMs`: event-loop turns only (a nap can overshoot by tens of microseconds on a busy machine);
 * - within `spinMs`: a busy wait, because one more turn could overshoot by more than what is left.
 *
 * Why naps rather than back-to-back turns: at a 0.5 ms mean gap, turns alone keep a core at 100%, and on a machine with
 * more runnable work than cores the kernel then preempts the generator for milliseconds at a time — the dominant source of
 * send lag (bench/notes/poc.md: the scheduler alone, sending nothing, lagged as much as with HTTP). A process that sleeps
 * between sends uses a fraction of the CPU and is scheduled promptly when it wakes. The price is that a response may wait
 * up to `napMs` before its completion is seen; `napMs: 0` turns napping off.
 */

export interface SendClockTuning {
  /** Busy-wait when the next send is at most this far away, ms. */
  spinMs: number;
  /** Within this much of the next send, ms, wait with naps and turns; beyond it, a timer. */
  immediateMs: number;
  /** The longest nap (futex wait, no CPU, no I/O) between two event-loop turns, ms; 0: no naps, turns only. */
  napMs: number;
  /** No naps this close to the send, ms: turns, then the spin. */
  wakeEarlyMs: number;
  /** Overdue requests sent back to back before one event-loop turn. */
  maxBurst: number;
}

export const DEFAULT_SEND_CLOCK: SendClockTuning = { spinMs: 0.05, immediateMs: 1.5, napMs: 0.1, wakeEarlyMs: 0.15, maxBurst: 64 };

/** What to do about the next send, `remainingMs` before it is due. */
export type WaitStep = { kind: "send" } | { kind: "spin" } | { kind: "turn" } | { kind: "nap"; ms: number } | { kind: "timer"; ms: number };

export function nextWaitStep(remainingMs: number, tuning: SendClockTuning): WaitStep {
  if (remainingMs <= 0) return { kind: "send" };
  if (remainingMs <= tuning.spinMs) return { kind: "spin" };
  // A timer shorter than 1 ms is a 1 ms timer (Node's floor): below immediateMs + 1 ms, turns are the only precise wait.
  if (remainingMs <= tuning.immediateMs + 1) {
    const nap = Math.min(tuning.napMs, remainingMs - tuning.wakeEarlyMs);
    return nap > 0 ? { kind: "nap", ms: nap } : { kind: "turn" };
  }
  return { kind: "timer", ms: remainingMs - tuning.immediateMs };
}

export interface BurstOptions {
  /** Absolute due time of request i (ms, performance.now() clock). */
  dueAt: (index: number) => number;
  count: number;
  skip?: ((index: number) => boolean) | undefined;
  now: () => number;
  /** Sends request `index`, due at `due`, actually sent at `sentAt`. */
  fire: (index: number, due: number, sentAt: number) => void;
  tuning: SendClockTuning;
  /** Stop sending (Ctrl-C), even mid-burst: a send may abort the run. */
  halted?: () => boolean;
}

/**
 * Sends, from `next` on, every request that is due or due within the spin window (spinning up to its exact time), at most
 * `maxBurst` of them. Returns the next index still to send (`count` when the schedule is done).
 */
export function sendDueBurst(next: number, options: BurstOptions): number {
  const { dueAt, count, skip, now, fire, tuning } = options;
  let sent = 0;
  let index = next;
  while (index < count && sent < tuning.maxBurst && options.halted?.() !== true) {
    if (skip?.(index) === true) {
      index++;
      continue;
    }
    const due = dueAt(index);
    let at = now();
    if (due - at > tuning.spinMs) break;
    while (at < due) at = now(); // the last few tens of microseconds
    fire(index, due, at);
    index++;
    sent++;
  }
  return index;
}
