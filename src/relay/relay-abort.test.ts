import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import { chatRequest, startHarness } from "./testing/harness.ts";

describe("relay: client disconnects reach the upstream", { timeout: 30_000 }, () => {
  it("aborting a JSON request closes the upstream socket at once, and nothing falls back", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "hang" }] }, {}], route: { timeouts_ms: { connect: 1_000, first_byte: 20_000, total: 25_000 } } });
    try {
      const a = h.upstreams[0];
      assert.ok(a !== undefined);
      const controller = new AbortController();
      // Settled into a value at once, so the rejection is handled while the test waits on the socket.
      const pending = h.relay.chat(chatRequest({}, controller.signal)).then(
        () => undefined,
        (error: unknown) => error,
      );
      await a.waitFor(() => a.requests.length === 1);
      controller.abort();
      // Well before the 20 s first-byte limit, which would also close it: only the abort can.
      await a.waitFor(() => a.closedEarly === 1, 5_000);
      const error = await pending;
      assert.ok(isFrugalError(error) && error.code === "cancelled", String(error));
      assert.equal(h.upstreams[1]?.requests.length, 0);
      // The client left: no verdict on the upstream.
      assert.equal(h.relay.breakerStates().find((s) => s.upstream === "a")?.failures, 0);
    } finally {
      await h.close();
    }
  });

  it("aborting mid-stream closes the upstream socket and ends the iteration with cancelled", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "ok", chunks: 200, chunkDelayMs: 20 }] }] });
    try {
      const a = h.upstreams[0];
      assert.ok(a !== undefined);
      const controller = new AbortController();
      const result = await h.relay.chat(chatRequest({ stream: true }, controller.signal));
      assert.equal(result.kind, "stream");
      if (result.kind !== "stream") return;
      let seen = 0;
      await assert.rejects(
        (async () => {
          for await (const _event of result.events) {
            if (++seen === 2) controller.abort();
          }
        })(),
        (e: unknown) => isFrugalError(e) && e.code === "cancelled",
      );
      assert.ok(seen < 200);
      await a.waitFor(() => a.closedEarly === 1);
    } finally {
      await h.close();
    }
  });

  it("a consumer that stops iterating early releases the upstream connection", async () => {
    const h = await startHarness({ upstreams: [{ modes: [{ mode: "ok", chunks: 200, chunkDelayMs: 20 }] }] });
    try {
      const a = h.upstreams[0];
      assert.ok(a !== undefined);
      const result = await h.relay.chat(chatRequest({ stream: true }));
      if (result.kind !== "stream") return assert.fail("expected a stream");
      let seen = 0;
      for await (const _event of result.events) if (++seen === 3) break;
      await a.waitFor(() => a.closedEarly === 1);
    } finally {
      await h.close();
    }
  });

  it("an already-aborted signal sends nothing", async () => {
    const h = await startHarness({ upstreams: [{}] });
    try {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(h.relay.chat(chatRequest({}, controller.signal)), (e: unknown) => isFrugalError(e) && e.code === "cancelled");
      assert.equal(h.upstreams[0]?.requests.length, 0);
    } finally {
      await h.close();
    }
  });
});
