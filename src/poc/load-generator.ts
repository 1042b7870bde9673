/**
 * The load generator. Open loop: each request is sent at its precomputed time, whatever happened to the ones before, and
 * its latency is measured from that *scheduled* time, so a stall (a slow answer, a GC pause, our own lateness) shows up as
 * latency rather than as fewer requests (no coordinated omission). Closed loop: `concurrency` workers, each sending the
 * next request when its last one finished; latency is then service time and the report says so.
 *
 * Timing (send-clock.ts): a timer for the bulk of a wait, event-loop turns for the last couple of milliseconds, a busy
 * wait for the last ~50 µs, everything due within that window sent in one burst. The loop is callback-driven (no promise
 * per wait). How late each send was (send lag) is recorded in its own histogram, so the generator's own accuracy is a
 * figure of the run, not an assumption.
 */
import { createLatencyHistogram, type LatencyHistogram } from "./histogram.ts";
import { DEFAULT_SEND_CLOCK, nextWaitStep, sendDueBurst, type SendClockTuning } from "./send-clock.ts";

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

/** A request still in flight when the drain deadline passed: it never completed, so it has only lower bounds. */
export interface AbandonedRequest {
  index: number;
  scheduledMs: number;
  lagMs: number;
  /** From the scheduled time (open loop) or the send (closed loop) to the deadline: the latency is at least this. */
  waitedMs: number;
  /** From the actual send to the deadline. */
  serviceMs: number;
}

export interface LoadRunSummary {
  mode: "open" | "closed";
  scheduled: number;
  sent: number;
  completed: number;
  /** Still in flight when the drain deadline passed; never completed. */
  abandoned: number[];
  /** The same requests, with how long each had waited at the deadline. */
  abandonedRequests: AbandonedRequest[];
  /** Stopped early by the signal (Ctrl-C). */
  interrupted: boolean;
  durationMs: number;
  sendLag: LatencyHistogram;
}

/** What both loops share: the send, what to skip, and how in-flight requests are drained. */
interface LoopOptions<T> {
  send: (index: number) => Promise<T>;
  onComplete?: (timing: RequestTiming<T>) => void;
  /** Requests to leave out (already measured in a previous run). */
  skip?: (index: number) => boolean;
  signal?: AbortSignal;
  /** How long in-flight requests may finish after the schedule ends. */
  drainMs: number;
  /** How long they may finish after the signal fired (Ctrl-C: short, the user is waiting). Default: drainMs. */
  interruptDrainMs?: number;
}

export interface OpenLoopOptions<T> extends LoopOptions<T> {
  /** Send offsets in ms from the start (schedule.ts). */
  schedule: Float64Array;
  /** Lead time before the first send, so setup work does not count as lag (default 20 ms). */
  leadMs?: number;
  /** The wait's thresholds (send-clock.ts); the defaults suit a few thousand requests per second. */
  tuning?: Partial<SendClockTuning>;
}

export interface ClosedLoopOptions<T> extends LoopOptions<T> {
  count: number;
  concurrency: number;
}

// A function, not an inline check: TypeScript narrows `signal.aborted` after one test and cannot see it change across awaits.
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

interface Sent {
  /** performance.now() at which it was due, and at which it was sent. */
  due: number;
  sentAt: number;
  scheduledMs: number;
  lagMs: number;
}

/** Requests in flight, and a wait for all of them bounded by a deadline; what is left at the deadline is abandoned. */
class InFlight {
  private readonly requests = new Map<number, Sent>();
  private idle: (() => void) | undefined;

  add(index: number, sent: Sent): void {
    this.requests.set(index, sent);
  }

  delete(index: number): void {
    this.requests.delete(index);
    if (this.requests.size === 0) this.idle?.();
  }

  /**
   * Waits for the requests in flight, at most `deadlineMs`; a signal firing during the wait (Ctrl-C while draining a
   * schedule that already ended) shortens what is left of it to `interrupt.ms`, so the user is not held to drain_ms.
   */
  async drain(deadlineMs: number, interrupt?: { signal: AbortSignal | undefined; ms: number }): Promise<AbandonedRequest[]> {
    if (this.requests.size === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const signal = interrupt?.signal;
    let onAbort: (() => void) | undefined;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      const end = performance.now() + deadlineMs;
      timer = setTimeout(resolve, deadlineMs);
      if (signal !== undefined && interrupt !== undefined && !signal.aborted) {
        onAbort = () => {
          clearTimeout(timer);
          timer = setTimeout(resolve, Math.max(0, Math.min(end - performance.now(), interrupt.ms)));
        };
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    this.idle = undefined;
    const now = performance.now();
    return [...this.requests.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => ({ index, scheduledMs: s.scheduledMs, lagMs: s.lagMs, waitedMs: now - s.due, serviceMs: now - s.sentAt }));
  }
}

export async function runOpenLoop<T>(options: OpenLoopOptions<T>): Promise<LoadRunSummary> {
  const { schedule, send, signal } = options;
  const tuning: SendClockTuning = { ...DEFAULT_SEND_CLOCK, ...options.tuning };
  const sendLag = createLatencyHistogram();
  const inFlight = new InFlight();
  let sent = 0;
  let completed = 0;
  const start = performance.now() + (options.leadMs ?? 20);

  // The next request to send. Sends happen on a wake-up of the send clock (tick, below) and also right after each response
  // is handled: one event-loop turn can run many response callbacks back to back, and a send that falls due in the middle
  // of them would otherwise wait for the end of the turn — the main source of send lag at a few thousand requests/s.
  let next = 0;
  let pumping = false;
  const pump = (): void => {
    if (pumping || aborted(signal)) return;
    pumping = true;
    try {
      next = sendDueBurst(next, burst);
    } finally {
      pumping = false;
    }
  };
  const fire = (index: number, due: number, sentAt: number): void => {
    const lagMs = sentAt - due;
    sendLag.record(lagMs);
    sent++;
    inFlight.add(index, { due, sentAt, scheduledMs: schedule[index] as number, lagMs });
    const settle = (outcome: { result?: T; error?: unknown }): void => {
      const doneAt = performance.now();
      inFlight.delete(index);
      completed++;
      options.onComplete?.({ index, scheduledMs: schedule[index] as number, lagMs, latencyMs: doneAt - due, serviceMs: doneAt - sentAt, ...outcome });
      pump();
    };
    let promise: Promise<T>;
    try {
      promise = send(index);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => settle({ result }),
      (error: unknown) => settle({ error }),
    );
  };
  const burst = {
    dueAt: (index: number) => start + (schedule[index] as number),
    count: schedule.length,
    skip: options.skip,
    now: () => performance.now(),
    fire,
    tuning,
    halted: () => aborted(signal),
  };

  const napWord = new Int32Array(new SharedArrayBuffer(4));
  // One callback per wake-up (a timer or an event-loop turn), not an awaited promise per wait.
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const onAbort = (): void => stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    const tick = (): void => {
      if (aborted(signal)) return;
      pump();
      while (next < schedule.length && options.skip?.(next) === true) next++;
      if (next >= schedule.length) {
        signal?.removeEventListener("abort", onAbort);
        return stop();
      }
      const step = nextWaitStep(burst.dueAt(next) - performance.now(), tuning);
      if (step.kind === "timer") {
        timer = setTimeout(tick, step.ms);
        return;
      }
      if (step.kind === "nap") Atomics.wait(napWord, 0, 0, step.ms); // sleeps: nothing ever notifies this word
      setImmediate(tick); // a turn (I/O runs); also after a full burst of overdue sends, so completions can run
    };
    if (aborted(signal)) return stop();
    tick();
  });
  const interruptMs = options.interruptDrainMs ?? options.drainMs;
  const abandonedRequests = await inFlight.drain(aborted(signal) ? interruptMs : options.drainMs, { signal, ms: interruptMs });
  const abandoned = abandonedRequests.map((a) => a.index);
  return { mode: "open", scheduled: schedule.length, sent, completed, abandoned, abandonedRequests, interrupted: aborted(signal), durationMs: performance.now() - start, sendLag };
}

export async function runClosedLoop<T>(options: ClosedLoopOptions<T>): Promise<LoadRunSummary> {
  const sendLag = createLatencyHistogram();
  const start = performance.now();
  const inFlight = new InFlight();
  let next = 0;
  let sent = 0;
  let completed = 0;
  const worker = async (): Promise<void> => {
    while (!aborted(options.signal)) {
      const index = next++;
      if (index >= options.count) return;
      if (options.skip?.(index) === true) continue;
      const sentAt = performance.now();
      sendLag.record(0);
      sent++;
      inFlight.add(index, { due: sentAt, sentAt, scheduledMs: sentAt - start, lagMs: 0 });
      let outcome: { result?: T; error?: unknown };
      try {
        outcome = { result: await options.send(index) };
      } catch (error) {
        outcome = { error };
      }
      const doneAt = performance.now();
      inFlight.delete(index);
      completed++;
      options.onComplete?.({ index, scheduledMs: sentAt - start, lagMs: 0, latencyMs: doneAt - sentAt, serviceMs: doneAt - sentAt, ...outcome });
    }
  };
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, () => worker());
  const stopped = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve(), { once: true }));
  await Promise.race([Promise.all(workers), stopped]);
  const abandonedRequests = aborted(options.signal) ? await inFlight.drain(options.interruptDrainMs ?? options.drainMs) : [];
  const abandoned = abandonedRequests.map((a) => a.index);
  return { mode: "closed", scheduled: options.count, sent, completed, abandoned, abandonedRequests, interrupted: aborted(options.signal), durationMs: performance.now() - start, sendLag };
}
