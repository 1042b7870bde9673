import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrugalError } from "../core/errors.ts";
import { backoffDelayMs, parseRetryAfter, retry, sleep } from "./retry.ts";

const fast = { maxRetries: 3, baseMs: 1, maxDelayMs: 5 };

describe("backoffDelayMs", () => {
  it("draws uniformly under an exponential ceiling capped at maxDelayMs", () => {
    const opts = { baseMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelayMs(1, opts, () => 0.999), 99);
    assert.equal(backoffDelayMs(3, opts, () => 0.5), 200);
    assert.equal(backoffDelayMs(10, opts, () => 0.5), 500);
    assert.equal(backoffDelayMs(2, opts, () => 0), 0);
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds, including fractions", () => {
    assert.equal(parseRetryAfter("2"), 2000);
    assert.equal(parseRetryAfter(" 0.25 "), 250);
    assert.equal(parseRetryAfter(["3", "9"]), 3000);
  });

  it("reads an HTTP-date relative to now, and clamps a past date to zero", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  });

  it("returns undefined for absent or unreadable values", () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(""), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter("-1"), undefined);
  });
});

describe("retry", () => {
  it("retries retryable errors and reports the attempt count", async () => {
    let calls = 0;
    const result = await retry(async () => {
      calls++;
      if (calls < 3) throw new FrugalError("upstream_unavailable", "down");
      return "ok";
    }, fast);
    assert.deepEqual(result, { value: "ok", attempts: 3 });
  });

  it("does not retry a non-retryable error", async () => {
    let calls = 0;
    await assert.rejects(
      retry(async () => {
        calls++;
        throw new FrugalError("provider_error", "bad request");
      }, fast),
      { code: "provider_error" },
    );
    assert.equal(calls, 1);
  });

  it("gives up after maxRetries with the last error and its attempt count", async () => {
    let calls = 0;
    await assert.rejects(
      retry(async () => {
        calls++;
        throw new FrugalError("upstream_unavailable", `down ${calls}`);
      }, { ...fast, maxRetries: 2 }),
      (error: unknown) => error instanceof FrugalError && error.message === "down 3" && error.details.attempts === 3,
    );
    assert.equal(calls, 3);
  });

  it("waits exactly the Retry-After instead of the backoff", async () => {
    const delays: number[] = [];
    let calls = 0;
    await retry(async () => {
      if (calls++ === 0) throw new FrugalError("rate_limited", "slow down", { retryAfterMs: 30 });
      return 1;
    }, { ...fast, maxDelayMs: 100, onRetry: (info) => delays.push(info.delayMs) });
    assert.deepEqual(delays, [30]);
  });

  it("throws at once when Retry-After exceeds maxDelayMs, keeping retryAfterMs for the caller", async () => {
    let calls = 0;
    await assert.rejects(
      retry(async () => {
        calls++;
        throw new FrugalError("rate_limited", "slow down", { retryAfterMs: 60_000 });
      }, fast),
      { code: "rate_limited", retryAfterMs: 60_000 },
    );
    assert.equal(calls, 1);
  });

  it("does not start a wait that would cross the deadline", async () => {
    let calls = 0;
    await assert.rejects(
      retry(async () => {
        calls++;
        throw new FrugalError("rate_limited", "slow down", { retryAfterMs: 50 });
      }, { ...fast, maxDelayMs: 1000, deadline: performance.now() + 20 }),
      { code: "rate_limited" },
    );
    assert.equal(calls, 1);
  });

  it("interrupts the wait when the signal aborts, with code cancelled", async () => {
    const controller = new AbortController();
    let calls = 0;
    const pending = retry(async () => {
      calls++;
      throw new FrugalError("rate_limited", "slow down", { retryAfterMs: 10_000 });
    }, { ...fast, maxDelayMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(pending, { code: "cancelled" });
    assert.equal(calls, 1);
  });

  it("never calls the operation when the signal is already aborted", async () => {
    let calls = 0;
    await assert.rejects(
      retry(async () => calls++, { ...fast, signal: AbortSignal.abort() }),
      { code: "cancelled" },
    );
    assert.equal(calls, 0);
  });
});

describe("sleep", () => {
  it("resolves after the delay and rejects when aborted", async () => {
    await sleep(1);
    await assert.rejects(sleep(10_000, AbortSignal.abort()), { code: "cancelled" });
  });
});
