import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng, groupedSplit, stratifiedSplit } from "./random.ts";
import { planTraining } from "./train-plan.ts";

test("the PRNG is reproducible from its seed and roughly uniform", () => {
  const a = createRng(7);
  const b = createRng(7);
  const xs = Array.from({ length: 10_000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02);
});

test("stratified splits partition the indices and keep each class's share", () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const [a, b, c] = stratifiedSplit(labels, { fractions: [0.7, 0.1, 0.2], seed: 3 }) as [Int32Array, Int32Array, Int32Array];
  assert.deepEqual([...a, ...b, ...c].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  const ones = (part: Int32Array) => part.filter((i) => labels[i] === 1).length;
  assert.equal(ones(b), 10);
  assert.equal(ones(c), 20);
  // A class with one example goes to the first part (a class never trained on cannot be predicted).
  const [first] = stratifiedSplit(Int32Array.from([0, 0, 0, 0, 5]), { fractions: [0.5, 0.5], seed: 1 }) as [Int32Array];
  assert.ok(first.includes(4));
});

test("grouped splits never cut a group and land near the requested shares", () => {
  const groups = Array.from({ length: 2000 }, (_, i) => `doc-${Math.floor(i / (3 + (i % 7)))}`);
  const parts = groupedSplit(groups, { fractions: [1 / 3, 1 / 3, 1 / 3], seed: 9 });
  const where = new Map<string, number>();
  parts.forEach((part, p) => {
    for (const i of part) {
      const g = groups[i] as string;
      assert.ok(where.get(g) === undefined || where.get(g) === p, `group ${g} split across parts`);
      where.set(g, p);
    }
    assert.ok(Math.abs(part.length - 2000 / 3) < 40, `part ${p} has ${part.length}`);
  });
});

test("training with groups keeps every group whole: in one split, and inside a single member's fold", () => {
  const examples = Array.from({ length: 240 }, (_, i) => ({ text: `${i % 2 === 0 ? "refund my card" : "top up failed"} ${i % 13}`, label: i % 2 === 0 ? "refund" : "top_up" }));
  const groups = examples.map((_, i) => `receipt-${Math.floor(i / 6)}`);
  const plan = planTraining({ examples, groups, maxEpochs: 1, hiddenUnits: 0 });
  assert.equal(plan.grouped, true);
  const home = new Map<string, string>();
  const place = (example: number, where: string) => {
    const g = groups[example] as string;
    assert.ok(home.get(g) === undefined || home.get(g) === where, `${g} is in ${home.get(g)} and ${where}`);
    home.set(g, where);
  };
  for (const i of plan.validIndex) place(i, "validation");
  for (const i of plan.calibrationIndex) place(i, "calibration");
  plan.folds.forEach((fold, f) => {
    for (const row of fold) place(plan.trainIndex[row] as number, `fold ${f}`);
  });
  assert.equal(home.size, 40);
  assert.ok(plan.validIndex.length > 0 && plan.calibrationIndex.length > 0 && plan.folds.every((fold) => fold.length > 0));
  assert.equal(plan.trainIndex.length + plan.validIndex.length + plan.calibrationIndex.length, examples.length);
});
