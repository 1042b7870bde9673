/**
 * Retries for upstream calls: exponential backoff with full jitter (a uniform delay in [0, min(max, base·2^n)], which
 * spreads a burst of clients that failed together instead of making them retry in lockstep), a server's Retry-After
 * honoured exactly, a bounded number of attempts, an optional deadline, and an abort signal that interrupts the wait.
 *
 * Only `FrugalError`s marked `retryable` are retried: the error family decides what is transient, not this loop.
 */
import { FrugalError, toFrugalError } from "../core/errors.ts";

/**
 * What the retry loop needs from an abort signal. AbortSignal fits; so does a cheaper EventEmitter-based object on a
 * hot path (Node's EventTarget listeners cost microseconds per call).
 */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface RetryOptions {
  /** Retries after the first attempt (0 = a single attempt). */
  maxRetries: number;
  /** Backoff base: the n-th retry waits up to base·2^(n-1). */
  baseMs: number;
  /**
   * Cap on one wait. A Retry-After longer than this is not waited for: the error (which carries `retryAfterMs`) is thrown
   * so the caller decides, rather than a request silently hanging for minutes.
   */
  maxDelayMs: number;
  signal?: AbortLike;
  /** `performance.now()` time after which no new attempt starts; a wait that would cross it throws the last error instead. */
  deadline?: number;
  /** Injected for tests; defaults to Math.random. */
  random?: () => number;
  /** Called before each wait, e.g. to log or count retries. */
  onRetry?: (info: { attempt: number; delayMs: number; error: FrugalError }) => void;
}

export interface RetryResult<T> {
  value: T;
  /** Attempts made, 1 when the first one succeeded. */
  attempts: number;
}

/** Full-jitter backoff for the `retry`-th retry (1-based). */
export function backoffDelayMs(retry: number, options: { baseMs: number; maxDelayMs: number }, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A Retry-After header in milliseconds: either delay-seconds ("120", fractions accepted as some servers send them) or an
 * HTTP-date. Undefined when absent or unreadable; never negative (a date in the past means "now").
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date always names its month (RFC 9110); without letters Date.parse would read "-1" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export function cancelledError(signal?: AbortLike): FrugalError {
  const reason: unknown = signal?.reason;
  return new FrugalError("cancelled", "the request was cancelled", reason === undefined ? {} : { cause: reason });
}

/** Waits `ms`, rejecting with a `cancelled` FrugalError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortLike): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs `operation` until it succeeds, fails with a non-retryable error, or the retry budget, deadline or signal ends it. */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<RetryResult<T>> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw cancelledError(options.signal);
    try {
      return { value: await operation(attempt), attempts: attempt };
    } catch (thrown) {
      const error = toFrugalError(thrown);
      error.details.attempts = attempt;
      if (options.signal?.aborted) throw error.code === "cancelled" ? error : cancelledError(options.signal);
      if (!error.retryable || attempt > options.maxRetries) throw error;
      const delayMs = error.retryAfterMs ?? backoffDelayMs(attempt, options, random);
      if (error.retryAfterMs !== undefined && error.retryAfterMs > options.maxDelayMs) throw error;
      if (options.deadline !== undefined && performance.now() + delayMs >= options.deadline) throw error;
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
