import assert from "node:assert/strict";
import { test } from "node:test";
import { keepsOneHiddenClass } from "../core/testing/hidden-class.ts";
import { createOpenReservations } from "./open-reservations.ts";

const reservation = (id: string) => ({ id, keyId: "k", periodKey: "month:2026-12", maxCostUsd: 1 });

test("open reservations: closed once, in any order; the rest stay listed", () => {
  const list = createOpenReservations<string>();
  const [a, b, c] = ["r1", "r2", "r3"].map((id, i) => list.open(reservation(id), { bucket: "B", nano: i + 1, createdAt: i }));
  assert.equal(list.size, 3);
  assert.ok(Object.isFrozen(a));
  assert.deepEqual(a, reservation("r1"), "the node it carries is invisible to equality, JSON and spreads");
  assert.equal(JSON.stringify(a), JSON.stringify(reservation("r1")));
  assert.equal(list.close(b!)?.nano, 2);
  assert.equal(list.close(b!), undefined, "closing twice is a no-op");
  assert.deepEqual([...list.entries()].map((e) => e.id), ["r1", "r3"]);
  assert.equal(list.close({ ...c! })?.id, "r3", "a copy (no node) is found by id");
  assert.equal(list.close(a!)?.id, "r1");
  assert.equal(list.size, 0);
  assert.deepEqual([...list.entries()], []);
});

test("open reservations: closeWhere unlinks what it selects; another list's reservation is not this one's", () => {
  const list = createOpenReservations<string>();
  for (let i = 0; i < 5; i++) list.open(reservation(`r${i}`), { bucket: "B", nano: 1, createdAt: i * 10 });
  assert.deepEqual(list.closeWhere((e) => e.createdAt < 25).map((e) => e.id), ["r0", "r1", "r2"]);
  assert.deepEqual([...list.entries()].map((e) => e.id), ["r3", "r4"]);
  const other = createOpenReservations<string>();
  const foreign = other.open(reservation("r3"), { bucket: "X", nano: 9, createdAt: 0 });
  assert.equal(list.close(foreign), undefined);
  assert.equal(list.size, 2);
  assert.equal(other.close(foreign)?.bucket, "X");
});

test("open reservations: every reservation keeps one hidden class (the per-request path allocates nothing old)", async () => {
  const list = createOpenReservations<string>();
  let i = 0;
  assert.equal(await keepsOneHiddenClass(() => {
    const r = list.open(reservation(`r${i++}`), { bucket: "B", nano: 1, createdAt: 0 });
    list.close(r);
    return r;
  }), true);
});
