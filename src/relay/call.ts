/**
 * The life of one relayed request: the client's abort, the route's total deadline and each attempt's first-byte limit,
 * and the translation of whatever stopped an attempt into the error family.
 *
 * The call itself is the abort handle the retry waits listen on; each attempt gets its own handle (the one undici
 * holds), so a first-byte timeout kills that attempt only and the next one starts clean, while the client's abort or the
 * deadline kills whichever attempt is current. A class rather than closures: this runs on every request, and methods on
 * a prototype allocate nothing (the one closure is the listener on the client's signal).
 */
import { FrugalError, isFrugalError } from "../core/errors.ts";
import { CallAbort } from "../providers/openai-compatible/call.ts";
import { transportError } from "../providers/openai-compatible/errors.ts";
import { cancelledError, type AbortLike } from "../providers/retry.ts";
import type { RelayTarget } from "./types.ts";
import type { RelayUpstream } from "./upstream.ts";

function onDeadline(call: RelayCall): void {
  call.timedOut = true;
  call.abort();
}

function onFirstByte(call: RelayCall): void {
  call.firstByteExpired = true;
  call.current?.abort();
}

export class RelayCall extends CallAbort {
  readonly startedAt = performance.now();
  /** performance.now() after which the request has failed. */
  readonly deadline: number;
  timedOut = false;
  /** Whether the current attempt's first-byte limit expired. */
  firstByteExpired = false;
  /** The current attempt's abort handle, given to undici. */
  current: CallAbort | undefined;
  /** Attempts sent upstream so far, over all targets. */
  attempts = 0;
  /** The latest upstream failure and where it happened: what the final error reports when every target failed. */
  lastError: FrugalError | undefined;
  lastTarget: RelayTarget | undefined;
  private firstByteTimer: NodeJS.Timeout | undefined;
  private readonly totalTimer: NodeJS.Timeout;
  private ended = false;
  // Assigned in the constructor, not as a class field: tsx names a field's arrow function each time (~0.8 µs a call).
  private readonly onClientAbort: () => void;

  constructor(
    readonly route: string,
    private readonly clientSignal: AbortLike,
    private readonly totalMs: number,
    private readonly firstByteMs: number,
  ) {
    super();
    this.onClientAbort = () => this.abort(this.clientSignal.reason);
    this.deadline = this.startedAt + totalMs;
    this.totalTimer = setTimeout(onDeadline, totalMs, this);
    // The request's socket keeps the process alive while it matters; a stream nobody iterates must not.
    this.totalTimer.unref();
    clientSignal.addEventListener("abort", this.onClientAbort, { once: true });
  }

  override abort(reason?: unknown): void {
    super.abort(reason);
    this.current?.abort(reason);
  }

  /** A fresh handle for the next attempt, with its first-byte timer armed. */
  beginAttempt(): CallAbort {
    clearTimeout(this.firstByteTimer);
    const handle = new CallAbort();
    if (this.aborted) handle.abort(this.reason);
    this.current = handle;
    this.attempts++;
    this.firstByteExpired = false;
    this.firstByteTimer = setTimeout(onFirstByte, this.firstByteMs, this);
    return handle;
  }

  /** The attempt's first byte arrived: its limit no longer applies. */
  firstByte(): void {
    clearTimeout(this.firstByteTimer);
    this.firstByteTimer = undefined;
  }

  /** Milliseconds left before the deadline, at least 1 (undici's own timers must stay armed). */
  remainingMs(): number {
    return Math.max(1, Math.ceil(this.deadline - performance.now()));
  }

  /** Maps why an attempt stopped: the client first, then our deadline and first-byte limit, then the upstream's error. */
  fail(error: unknown, upstream: RelayUpstream | undefined): FrugalError {
    if (this.clientSignal.aborted) return isFrugalError(error) && error.code === "cancelled" ? error : cancelledError(this.clientSignal);
    const endpoint = upstream?.endpoint ?? this.route;
    if (this.timedOut) {
      return new FrugalError("provider_timeout", `route "${this.route}" got no complete answer within ${this.totalMs} ms`, {
        cause: error,
        details: { route: this.route, endpoint, timeoutMs: this.totalMs },
      });
    }
    if (this.firstByteExpired) {
      // Consumed here: the retry loop maps its thrown error again, which must then come back unchanged.
      this.firstByteExpired = false;
      return new FrugalError("provider_timeout", `${endpoint} sent no first byte within ${this.firstByteMs} ms`, {
        cause: error,
        details: { endpoint, firstByteTimeoutMs: this.firstByteMs },
      });
    }
    if (isFrugalError(error)) return error;
    return transportError(error, endpoint, upstream?.apiKey);
  }

  /** Releases the timers and the listener on the client's signal. Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.totalTimer);
    clearTimeout(this.firstByteTimer);
    this.clientSignal.removeEventListener("abort", this.onClientAbort);
  }
}
