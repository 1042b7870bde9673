/**
 * A circuit breaker per upstream target. Closed: every attempt goes through, failed attempts are remembered. When
 * `failures` of them fall within `window_s`, it opens: the target is skipped (the route falls back at once instead of
 * waiting on a dead upstream) until `cooldown_s` has passed. Then it is half-open: exactly one probe goes through; its
 * success closes the breaker, its failure opens it for another cooldown.
 *
 * The failure window is a ring of the last `failures` failure times, so the check is O(1) and allocates nothing: N
 * failures lie within the window exactly when the oldest of the last N does.
 */
export type BreakerStateName = "closed" | "open" | "half_open";

export interface BreakerSettings {
  failures: number;
  windowMs: number;
  cooldownMs: number;
}

export type BreakerListener = (breaker: CircuitBreaker, state: BreakerStateName) => void;

export class CircuitBreaker {
  state: BreakerStateName = "closed";
  private readonly times: Float64Array;
  private next = 0;
  private recorded = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    readonly upstream: string,
    readonly model: string,
    private readonly settings: BreakerSettings,
    private readonly now: () => number,
    private readonly onChange: BreakerListener | undefined,
  ) {
    this.times = new Float64Array(settings.failures);
  }

  /** Whether an attempt may go to the target now. In half-open state this claims the single probe. */
  allow(): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") {
      if (this.now() - this.openedAt < this.settings.cooldownMs) return false;
      this.transition("half_open");
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it would now). */
  retryInMs(): number {
    if (this.state !== "open") return 0;
    return Math.max(0, this.settings.cooldownMs - (this.now() - this.openedAt));
  }

  success(): void {
    this.probing = false;
    if (this.state === "closed") return;
    this.recorded = 0;
    this.next = 0;
    this.transition("closed");
  }

  failure(): void {
    const now = this.now();
    this.probing = false;
    if (this.state !== "closed") {
      // A failed probe (or a late failure of an attempt that started before the breaker opened) restarts the cooldown.
      this.openedAt = now;
      if (this.state === "half_open") this.transition("open");
      return;
    }
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.times.length;
    if (this.recorded < this.times.length) this.recorded++;
    // With the ring full, `next` points at the oldest of the last N failures.
    if (this.recorded === this.times.length && now - (this.times[this.next] ?? 0) <= this.settings.windowMs) {
      this.openedAt = now;
      this.transition("open");
    }
  }

  /** An attempt that ended without a verdict on the upstream (the client went away): frees the probe. */
  release(): void {
    this.probing = false;
  }

  /** Failures within the window (closed), or the threshold that opened it. */
  failures(): number {
    if (this.state !== "closed") return this.settings.failures;
    const since = this.now() - this.settings.windowMs;
    let count = 0;
    for (let i = 0; i < this.recorded; i++) if ((this.times[i] ?? 0) >= since) count++;
    return count;
  }

  private transition(state: BreakerStateName): void {
    this.state = state;
    this.onChange?.(this, state);
  }
}
