/**
 * The load generator. Open loop: each request is sent at its precomputed time, whatever happened to the ones before, and
 * its latency is measured from that *scheduled* time, so a stall (a slow answer, a GC pause, our own lateness) shows up as
 * latency rather than as fewer requests (no coordinated omission). Closed loop: `concurrency` workers, each sending the
 * next request when its last one finished; latency is then service time and the report says so.
 *
 * Timing: setTimeout alone fires 1-2 ms late, far too coarse at 2,000 req/s. The wait is three stages: a timer for the
 * bulk, setImmediate turns (which still let I/O callbacks run) for the last couple of milliseconds, and a busy wait for the
 * last ~50 µs. How late each send was (send lag) is recorded in its own histogram, so the generator's own accuracy is a
 * figure of the run, not an assumption.
 */
import { setImmediate as yieldTurn, setTimeout as sleep } from "node:timers/promises";
import { createLatencyHistogram, type LatencyHistogram } from "./histogram.ts";

export interface RequestTiming<T> {
  index: number;
  /** Offset from the run's start at which the request was due, ms. */
  scheduledMs: number;
  /** How late the send actually was, ms (0 for closed loops). */
  lagMs: number;
  /** From the scheduled time (open loop) or the send (closed loop) to completion, ms. */
  latencyMs: number;
  /** From the actual send to completion, ms. */
  serviceMs: number;
  result?: T;
  error?: unknown;
}

export interface LoadRunSummary {
  mode: "open" | "closed";
  scheduled: number;
  sent: number;
  completed: number;
  /** Still in flight when the drain deadline passed; never completed. */
  abandoned: number[];
  /** Stopped early by the signal (Ctrl-C). */
  interrupted: boolean;
  durationMs: number;
  sendLag: LatencyHistogram;
}

export interface OpenLoopOptions<T> {
  /** Send offsets in ms from the start (schedule.ts). */
  schedule: Float64Array;
  send: (index: number) => Promise<T>;
  onComplete?: (timing: RequestTiming<T>) => void;
  /** Requests to leave out (already measured in a previous run). */
  skip?: (index: number) => boolean;
  signal?: AbortSignal;
  /** How long in-flight requests may finish after the schedule ends. */
  drainMs: number;
  /** How long they may finish after the signal fired (Ctrl-C: short, the user is waiting). Default: drainMs. */
  interruptDrainMs?: number;
  /** Lead time before the first send, so setup work does not count as lag (default 20 ms). */
  leadMs?: number;
}

const SPIN_MS = 0.05;

// A function, not an inline check: TypeScript narrows `signal.aborted` after one test and cannot see it change across awaits.
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
const IMMEDIATE_MS = 2;

async function waitUntil(target: number, signal?: AbortSignal): Promise<void> {
  let remaining = target - performance.now();
  if (remaining > IMMEDIATE_MS + 1) {
    await sleep(remaining - IMMEDIATE_MS, undefined, signal === undefined ? undefined : { signal }).catch(() => undefined);
    remaining = target - performance.now();
  }
  while (remaining > SPIN_MS) {
    if (signal?.aborted === true) return;
    await yieldTurn();
    remaining = target - performance.now();
  }
  while (performance.now() < target) {
    // busy wait: the last few tens of microseconds
  }
}

async function drain(inFlight: Map<number, Promise<void>>, drainMs: number): Promise<number[]> {
  if (inFlight.size === 0) return [];
  const controller = new AbortController();
  const deadline = sleep(drainMs, "deadline", { signal: controller.signal }).catch(() => "cancelled");
  await Promise.race([Promise.allSettled([...inFlight.values()]), deadline]);
  controller.abort();
  return [...inFlight.keys()].sort((a, b) => a - b);
}

export async function runOpenLoop<T>(options: OpenLoopOptions<T>): Promise<LoadRunSummary> {
  const { schedule, send, signal } = options;
  const sendLag = createLatencyHistogram();
  const inFlight = new Map<number, Promise<void>>();
  let sent = 0;
  let completed = 0;
  const start = performance.now() + (options.leadMs ?? 20);
  let behind = 0;

  for (let index = 0; index < schedule.length; index++) {
    if (aborted(signal)) break;
    if (options.skip?.(index) === true) continue;
    const due = start + (schedule[index] as number);
    if (due > performance.now()) {
      behind = 0;
      await waitUntil(due, signal);
      if (aborted(signal)) break;
    } else if (++behind % 64 === 0) {
      // Far behind schedule: keep sending the overdue requests, but let completions run now and then.
      await yieldTurn();
    }
    const sentAt = performance.now();
    const lagMs = sentAt - due;
    sendLag.record(lagMs);
    sent++;
    const settle = (outcome: { result?: T; error?: unknown }): void => {
      const doneAt = performance.now();
      inFlight.delete(index);
      completed++;
      options.onComplete?.({ index, scheduledMs: schedule[index] as number, lagMs, latencyMs: doneAt - due, serviceMs: doneAt - sentAt, ...outcome });
    };
    let promise: Promise<T>;
    try {
      promise = send(index);
    } catch (error) {
      promise = Promise.reject(error);
    }
    inFlight.set(
      index,
      promise.then(
        (result) => settle({ result }),
        (error: unknown) => settle({ error }),
      ),
    );
  }
  const abandoned = await drain(inFlight, aborted(signal) ? (options.interruptDrainMs ?? options.drainMs) : options.drainMs);
  return { mode: "open", scheduled: schedule.length, sent, completed, abandoned, interrupted: aborted(signal), durationMs: performance.now() - start, sendLag };
}

export interface ClosedLoopOptions<T> {
  count: number;
  concurrency: number;
  send: (index: number) => Promise<T>;
  onComplete?: (timing: RequestTiming<T>) => void;
  skip?: (index: number) => boolean;
  signal?: AbortSignal;
  drainMs: number;
  interruptDrainMs?: number;
}

export async function runClosedLoop<T>(options: ClosedLoopOptions<T>): Promise<LoadRunSummary> {
  const sendLag = createLatencyHistogram();
  const start = performance.now();
  const inFlight = new Map<number, Promise<void>>();
  let next = 0;
  let sent = 0;
  let completed = 0;
  const worker = async (): Promise<void> => {
    while (options.signal?.aborted !== true) {
      const index = next++;
      if (index >= options.count) return;
      if (options.skip?.(index) === true) continue;
      const sentAt = performance.now();
      sendLag.record(0);
      sent++;
      let outcome: { result?: T; error?: unknown };
      const promise = (async () => options.send(index))().then(
        (result) => (outcome = { result }),
        (error: unknown) => (outcome = { error }),
      );
      const tracked = promise.then(() => {
        const doneAt = performance.now();
        inFlight.delete(index);
        completed++;
        options.onComplete?.({ index, scheduledMs: sentAt - start, lagMs: 0, latencyMs: doneAt - sentAt, serviceMs: doneAt - sentAt, ...outcome });
      });
      inFlight.set(index, tracked);
      await tracked;
    }
  };
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, () => worker());
  const stopped = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
  await Promise.race([Promise.all(workers), stopped]);
  const abandoned = options.signal?.aborted === true ? await drain(inFlight, options.interruptDrainMs ?? options.drainMs) : [];
  return { mode: "closed", scheduled: options.count, sent, completed, abandoned, interrupted: options.signal?.aborted === true, durationMs: performance.now() - start, sendLag };
}
