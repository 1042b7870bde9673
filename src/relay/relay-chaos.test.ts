import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import type { UpstreamMode } from "./testing/fake-upstream.ts";
import { chatRequest, startHarness } from "./testing/harness.ts";

const FAULTS: UpstreamMode[] = [
  { mode: "error", status: 500 },
  { mode: "reset" },
  { mode: "hang" },
  { mode: "garbage-json" },
  { mode: "rate-limit", retryAfter: "0.05" },
  { mode: "stall-after-headers", delayMs: 5_000 },
  { mode: "truncated-sse", afterChunks: 2 },
  { mode: "ok", chunks: 5, chunkDelayMs: 5 },
];

describe("relay: no hung requests under mixed faults", { timeout: 30_000 }, () => {
  it("every concurrent request settles: answered by a fallback, or a FrugalError", async () => {
    const modes = Array.from({ length: 80 }, (_, i) => FAULTS[i % FAULTS.length] ?? { mode: "ok" as const });
    const h = await startHarness({
      upstreams: [{ modes }, { fallback: { mode: "ok", chunks: 5 } }],
      // Breakers out of the way (they are tested elsewhere): this is about every request ending.
      route: { retries: 1, timeouts_ms: { connect: 1_000, first_byte: 1_000, total: 6_000 }, breaker: { failures: 1_000, window_s: 1, cooldown_s: 1 } },
    });
    try {
      const one = async (stream: boolean): Promise<"ok" | "error"> => {
        try {
          const result = await h.relay.chat(chatRequest({ stream }));
          if (result.kind === "stream") for await (const _event of result.events);
          return "ok";
        } catch (error) {
          // Mostly a stream cut after its first event, which cannot fall back; always a FrugalError of the upstream family.
          assert.ok(isFrugalError(error), `unexpected ${String(error)}`);
          assert.ok(["upstream_unavailable", "provider_timeout", "provider_error", "rate_limited"].includes(error.code), error.message);
          return "error";
        }
      };
      const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => one(i % 2 === 0)));
      assert.equal(outcomes.length, 40);
      assert.ok(outcomes.filter((o) => o === "ok").length >= 20, outcomes.join(","));
    } finally {
      await h.close();
    }
  });
});
