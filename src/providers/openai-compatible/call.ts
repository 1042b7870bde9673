/**
 * The life of one provider call: one abort handle that both the caller's signal and the call's deadline trigger, so
 * undici, the body reader and the retry waits all stop at once; and the translation of whatever stopped the call into
 * the right code (`cancelled` for the caller, `provider_timeout` for the deadline).
 */
import { EventEmitter } from "node:events";
import { FrugalError, isFrugalError } from "../../core/errors.ts";
import { cancelledError, type AbortLike } from "../retry.ts";
import { transportError } from "./errors.ts";

/**
 * An abort handle that undici and the retry loop both accept. Not an AbortController: adding and removing a listener on
 * Node's EventTarget costs tens of microseconds under load, measured by bench/provider-overhead.ts, and undici adds one
 * per request; an EventEmitter does the same job for a fraction of it.
 */
export class CallAbort extends EventEmitter implements AbortLike {
  aborted = false;
  reason: unknown = undefined;

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException("This operation was aborted", "AbortError");
    this.emit("abort");
  }

  addEventListener(_type: "abort", listener: () => void, options?: { once?: boolean }): void {
    if (options?.once === true) this.once("abort", listener);
    else this.on("abort", listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    this.removeListener("abort", listener);
  }
}

export interface CallContext {
  readonly signal: CallAbort;
  readonly startedAt: number;
  /** performance.now() after which the call has failed. */
  readonly deadline: number;
  /** Maps any failure of this call to the error family, taking cancellation and the deadline into account. */
  fail(error: unknown): FrugalError;
  /** Releases the timer and the listener on the caller's signal. Idempotent. */
  end(): void;
}

export interface CallSettings {
  timeoutMs: number;
  callerSignal: AbortSignal | undefined;
  endpoint: string;
  apiKey: string | undefined;
}

function onDeadline(call: ProviderCall): void {
  call.timedOut = true;
  call.signal.abort();
}

/** A class rather than a closure bundle: this runs on every request, and methods on a prototype allocate nothing. */
class ProviderCall implements CallContext {
  readonly signal = new CallAbort();
  readonly startedAt = performance.now();
  readonly deadline: number;
  timedOut = false;
  private ended = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(private readonly settings: CallSettings) {
    this.deadline = this.startedAt + settings.timeoutMs;
    // An unref'd timer: a pending deadline must not keep a CLI process alive on its own.
    this.timer = setTimeout(onDeadline, settings.timeoutMs, this);
    this.timer.unref();
    const caller = settings.callerSignal;
    if (caller !== undefined) {
      this.onCallerAbort = () => this.signal.abort(caller.reason);
      caller.addEventListener("abort", this.onCallerAbort, { once: true });
    }
  }

  fail(error: unknown): FrugalError {
    const { callerSignal, endpoint, timeoutMs, apiKey } = this.settings;
    if (callerSignal?.aborted === true) return isFrugalError(error) && error.code === "cancelled" ? error : cancelledError(callerSignal);
    if (this.timedOut) {
      return new FrugalError("provider_timeout", `${endpoint} gave no complete answer within ${timeoutMs} ms`, {
        cause: error,
        details: { endpoint, timeoutMs, ...(isFrugalError(error) ? { attempts: error.details.attempts } : {}) },
      });
    }
    return isFrugalError(error) ? error : transportError(error, endpoint, apiKey);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    if (this.onCallerAbort !== undefined) this.settings.callerSignal?.removeEventListener("abort", this.onCallerAbort);
  }
}

export function beginCall(settings: CallSettings): CallContext {
  return new ProviderCall(settings);
}
