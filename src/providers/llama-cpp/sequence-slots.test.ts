import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../../core/errors.ts";
import { createSequenceSlots } from "./sequence-slots.ts";

const isCancelled = (e: unknown) => e instanceof FrugalError && e.code === "cancelled";

test("slots are bounded and waiters are served in arrival order", async () => {
  const slots = createSequenceSlots(["a", "b"]);
  const first = await slots.acquire();
  const second = await slots.acquire();
  assert.equal(slots.busy, 2);
  const order: string[] = [];
  const third = slots.acquire().then((l) => (order.push("third"), l));
  const fourth = slots.acquire().then((l) => (order.push("fourth"), l));
  assert.equal(slots.waiting, 2);
  second.release();
  second.release(); // idempotent: must not hand the same slot out twice
  const t = await third;
  assert.equal(t.slot, second.slot);
  assert.equal(slots.waiting, 1);
  first.release();
  const f = await fourth;
  assert.deepEqual(order, ["third", "fourth"]);
  t.release();
  f.release();
  assert.equal(slots.busy, 0);
});

test("an aborted waiter leaves the queue without taking a slot", async () => {
  const slots = createSequenceSlots([1]);
  const held = await slots.acquire();
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  const after = slots.acquire();
  controller.abort();
  await assert.rejects(waiting, isCancelled);
  assert.equal(slots.waiting, 1);
  held.release();
  const next = await after;
  assert.equal(next.slot, 1);
  await assert.rejects(slots.acquire(AbortSignal.abort()), isCancelled);
});

test("close rejects waiters and later acquires", async () => {
  const slots = createSequenceSlots([1]);
  const held = await slots.acquire();
  const waiting = slots.acquire();
  slots.close("closing");
  await assert.rejects(waiting, (e: unknown) => isCancelled(e) && (e as Error).message === "closing");
  await assert.rejects(slots.acquire(), isCancelled);
  held.release();
  assert.throws(() => createSequenceSlots([]), FrugalError);
});
