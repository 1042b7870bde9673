import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import { createRng } from "../core/random.ts";
import { chatRequest, startHarness } from "./testing/harness.ts";

describe("relay: circuit breakers and weighted routes", { timeout: 30_000 }, () => {
  it("opens after N failures, skips the target while open, half-opens after the cooldown and closes on success", async () => {
    const h = await startHarness({
      upstreams: [{ fallback: { mode: "error", status: 500 } }, {}],
      route: { breaker: { failures: 3, window_s: 30, cooldown_s: 10 } },
    });
    try {
      const a = h.upstreams[0];
      assert.ok(a !== undefined);
      for (let i = 0; i < 3; i++) {
        const result = await h.relay.chat(chatRequest());
        assert.equal(result.target.upstream, "b");
      }
      assert.equal(a.requests.length, 3);
      assert.deepEqual(h.relay.breakerStates().find((s) => s.upstream === "a"), { upstream: "a", model: "model-a", state: "open", failures: 3 });

      // Open: the route goes straight to b, a sees nothing.
      for (let i = 0; i < 5; i++) await h.relay.chat(chatRequest());
      assert.equal(a.requests.length, 3);
      const skipped = h.events.filter((e) => e.type === "fallback" && e.reason === "breaker_open");
      assert.equal(skipped.length, 5);

      // After the cooldown one probe goes through; a is healthy again, so it closes.
      h.tick(10_000);
      a.queue({ mode: "ok" });
      const probe = await h.relay.chat(chatRequest());
      assert.equal(probe.target.upstream, "a");
      assert.equal(h.relay.breakerStates().find((s) => s.upstream === "a")?.state, "closed");
      const transitions = h.events.flatMap((e) => (e.type === "breaker" && e.upstream === "a" ? [e.state] : []));
      assert.deepEqual(transitions, ["open", "half_open", "closed"]);
    } finally {
      await h.close();
    }
  });

  it("with every breaker open: upstream_unavailable without a request, retryAfterMs until the first probe", async () => {
    const h = await startHarness({
      upstreams: [{ fallback: { mode: "error", status: 503 } }],
      route: { breaker: { failures: 1, window_s: 30, cooldown_s: 5 } },
    });
    try {
      await assert.rejects(h.relay.chat(chatRequest()), (e: unknown) => isFrugalError(e) && e.code === "upstream_unavailable");
      h.tick(2_000);
      await assert.rejects(h.relay.chat(chatRequest()), (e: unknown) => {
        assert.ok(isFrugalError(e));
        assert.equal(e.code, "upstream_unavailable");
        assert.match(e.message, /circuit breaker is open/);
        assert.equal(e.retryAfterMs, 3_000);
        return true;
      });
      assert.equal(h.upstreams[0]?.requests.length, 1);
    } finally {
      await h.close();
    }
  });

  it("weighted: the first target is drawn by weight, the other one is the fallback", async () => {
    const h = await startHarness({
      upstreams: [{}, {}],
      route: { strategy: "weighted", targets: [{ upstream: "a", model: "ma", weight: 3 }, { upstream: "b", model: "mb", weight: 1 }] },
      relay: { random: createRng(7) },
    });
    try {
      const n = 200;
      for (let i = 0; i < n; i++) await h.relay.chat(chatRequest());
      const toA = h.upstreams[0]?.requests.length ?? 0;
      // Expected 150 (sd ~6.1): wide bounds, since the draw is what is under test, not the generator.
      assert.ok(toA > 120 && toA < 180, `a got ${toA} of ${n}`);
      assert.equal(toA + (h.upstreams[1]?.requests.length ?? 0), n);

      // When the drawn target fails, the other one answers: with a down, every request still succeeds, from b.
      h.upstreams[0]?.queue(...Array.from({ length: 20 }, () => ({ mode: "error" as const, status: 500 })));
      for (let i = 0; i < 20; i++) {
        const result = await h.relay.chat(chatRequest());
        assert.equal(result.target.upstream, "b");
      }
    } finally {
      await h.close();
    }
  });
});
