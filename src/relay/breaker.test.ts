import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CircuitBreaker, type BreakerStateName } from "./breaker.ts";

function make(settings = { failures: 3, windowMs: 1_000, cooldownMs: 500 }) {
  let now = 0;
  const changes: BreakerStateName[] = [];
  const breaker = new CircuitBreaker("u", "m", settings, () => now, (_b, state) => changes.push(state));
  return { breaker, changes, advance: (ms: number) => (now += ms) };
}

describe("circuit breaker", () => {
  it("opens after N failures within the window, and refuses attempts while open", () => {
    const { breaker, changes } = make();
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state, "closed");
    assert.equal(breaker.failures(), 2);
    assert.equal(breaker.allow(), true);
    breaker.failure();
    assert.equal(breaker.state, "open");
    assert.equal(breaker.allow(), false);
    assert.deepEqual(changes, ["open"]);
  });

  it("does not open when the failures are spread wider than the window", () => {
    const { breaker, advance } = make();
    for (let i = 0; i < 10; i++) {
      breaker.failure();
      advance(600); // two failures at most in any 1 s window
    }
    assert.equal(breaker.state, "closed");
    assert.ok(breaker.failures() <= 2);
  });

  it("half-opens after the cooldown with a single probe; a success closes it", () => {
    const { breaker, changes, advance } = make();
    for (let i = 0; i < 3; i++) breaker.failure();
    advance(499);
    assert.equal(breaker.allow(), false);
    assert.equal(breaker.retryInMs(), 1);
    advance(1);
    assert.equal(breaker.allow(), true, "the probe goes through");
    assert.equal(breaker.state, "half_open");
    assert.equal(breaker.allow(), false, "only one probe at a time");
    breaker.success();
    assert.equal(breaker.state, "closed");
    assert.equal(breaker.failures(), 0);
    assert.equal(breaker.allow(), true);
    assert.deepEqual(changes, ["open", "half_open", "closed"]);
  });

  it("a failed probe opens it for another full cooldown", () => {
    const { breaker, advance } = make();
    for (let i = 0; i < 3; i++) breaker.failure();
    advance(500);
    assert.equal(breaker.allow(), true);
    advance(100);
    breaker.failure();
    assert.equal(breaker.state, "open");
    advance(499);
    assert.equal(breaker.allow(), false);
    advance(1);
    assert.equal(breaker.allow(), true);
  });

  it("a probe the client abandoned frees the slot for the next one", () => {
    const { breaker, advance } = make();
    for (let i = 0; i < 3; i++) breaker.failure();
    advance(500);
    assert.equal(breaker.allow(), true);
    breaker.release();
    assert.equal(breaker.state, "half_open");
    assert.equal(breaker.allow(), true);
  });
});
