import { test } from "node:test";
import assert from "node:assert/strict";
import { averageModels, concatenateMlps, gatherOutOfFold, type FoldResult } from "./cross-fit.ts";
import type { SoftmaxWeights } from "./softmax-regression.ts";
import type { MlpWeights } from "./mlp-regression.ts";
import { modelLogits } from "./quantize.ts";
import { createRng } from "./random.ts";

const model = (w: number[], b: number[]): SoftmaxWeights => ({ numFeatures: w.length / b.length, numClasses: b.length, weights: Float32Array.from(w), bias: Float32Array.from(b) });

test("averaging fold models averages weights and biases (the logit-averaging ensemble as one linear model)", () => {
  const avg = averageModels([model([1, 2, 3, 4], [0, 1]), model([3, 2, 1, 0], [2, 1]), model([2, 2, 2, 2], [1, 1])]);
  assert.deepEqual([...avg.weights], [2, 2, 2, 2]);
  assert.deepEqual([...avg.bias], [1, 1]);
  // Linear: the average model's logits are the mean of the members' logits for any input.
  const x = [0.5, -1];
  const logits = (m: SoftmaxWeights) => [0, 1].map((c) => (m.bias[c] as number) + x.reduce((a, v, r) => a + v * (m.weights[r * 2 + c] as number), 0));
  const members = [model([1, 2, 3, 4], [0, 1]), model([3, 2, 1, 0], [2, 1]), model([2, 2, 2, 2], [1, 1])].map(logits);
  const mean = [0, 1].map((c) => members.reduce((a, l) => a + (l[c] as number), 0) / 3);
  logits(avg).forEach((v, c) => assert.ok(Math.abs(v - (mean[c] as number)) < 1e-6));
  assert.throws(() => averageModels([]));
});

test("out-of-fold logits land at their items' positions", () => {
  const result = (fold: number, logits: number[]): FoldResult => ({
    fold,
    model: model([0, 0], [0, 0]),
    bestEpoch: 1,
    epochsRun: 1,
    heldOutFloat: Float64Array.from(logits),
    heldOutInt8: Float64Array.from(logits.map((v) => -v)),
    validFloat: new Float64Array(0),
    validInt8: new Float64Array(0),
  });
  const folds = [Int32Array.from([0, 3]), Int32Array.from([1, 2])];
  const results = [result(1, [10, 11, 20, 21]), result(0, [0, 1, 30, 31])];
  assert.deepEqual([...gatherOutOfFold(results, folds, 4, 2, "heldOutFloat")], [0, 1, 10, 11, 20, 21, 30, 31]);
  assert.deepEqual([...gatherOutOfFold(results, folds, 4, 2, "heldOutInt8")], [-0, -1, -10, -11, -20, -21, -30, -31]);
});

test("hidden-layer members side by side are their logit average, for any input", () => {
  const rng = createRng(3);
  const member = (h: number): MlpWeights => {
    const r = (n: number) => Float32Array.from({ length: n }, () => rng() * 2 - 1);
    return { numFeatures: 5, numHidden: h, numClasses: 3, w1: r(5 * h), b1: r(h), w2: r(h * 3), b2: r(3) };
  };
  const members = [member(4), member(2), member(4)];
  const wide = concatenateMlps(members);
  assert.equal(wide.numHidden, 10);
  const x = { rows: 2, cols: 5, indptr: Int32Array.from([0, 3, 5]), indices: Int32Array.from([0, 2, 4, 1, 3]), values: Float32Array.from([0.5, -1, 2, 1, 0.25]) };
  const mean = new Float64Array(6);
  for (const m of members) modelLogits(m, x, "float32").forEach((v, i) => (mean[i] = (mean[i] as number) + v / members.length));
  modelLogits(wide, x, "float32").forEach((v, i) => assert.ok(Math.abs(v - (mean[i] as number)) < 1e-5, `logit ${i}: ${v} vs ${mean[i]}`));
  assert.equal(concatenateMlps([members[0] as MlpWeights]), members[0]);
  assert.throws(() => concatenateMlps([member(2), { ...member(2), numClasses: 4 }]));
});
