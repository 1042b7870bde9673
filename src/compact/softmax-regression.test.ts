import { test } from "node:test";
import assert from "node:assert/strict";
import { CsrBuilder, createSparseVector, type CsrMatrix } from "./sparse.ts";
import { createRng } from "./random.ts";
import { softmaxLogits, trainSoftmaxRegression } from "./softmax-regression.ts";
import { dequantizeInt8, int8Logits, quantizeInt8 } from "./quantize.ts";

/** Each class owns 5 of 60 features; every row mixes 3 of its class's features with 4 shared noise features, L2-normalized. */
function toyProblem(rows: number, seed: number): { x: CsrMatrix; y: Int32Array } {
  const rng = createRng(seed);
  const classes = 4;
  const builder = new CsrBuilder(60);
  const y = new Int32Array(rows);
  const row = createSparseVector(16);
  for (let i = 0; i < rows; i++) {
    const label = i % classes;
    y[i] = label;
    const picked = new Set<number>();
    while (picked.size < 3) picked.add(label * 5 + Math.floor(rng() * 5));
    while (picked.size < 7) picked.add(20 + Math.floor(rng() * 40));
    row.nnz = 0;
    for (const j of picked) {
      row.indices[row.nnz] = j;
      row.values[row.nnz] = 1 / Math.sqrt(7);
      row.nnz++;
    }
    builder.push(row);
  }
  return { x: builder.build(), y };
}

function accuracy(logits: Float64Array, y: Int32Array, k: number): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((logits[i * k + c] as number) > (logits[i * k + best] as number)) best = c;
    if (best === y[i]) right++;
  }
  return right / y.length;
}

for (const optimizer of ["adagrad", "adagrad-rowwise"] as const) {
  test(`${optimizer} learns a separable problem and generalizes to fresh rows`, () => {
    const train = toyProblem(400, 1);
    const valid = toyProblem(100, 2);
    const result = trainSoftmaxRegression(train, valid, { numClasses: 4, optimizer, maxEpochs: 20, seed: 3 });
    assert.equal(accuracy(softmaxLogits(result.model, train.x), train.y, 4), 1);
    assert.ok(accuracy(softmaxLogits(result.model, valid.x), valid.y, 4) >= 0.98);
    const losses = result.history.map((h) => h.trainLoss);
    assert.ok((losses.at(-1) as number) < (losses[0] as number) / 4, `training loss should fall: ${losses.join(", ")}`);
  });
}

test("training is deterministic for a seed and changes with it", () => {
  const data = toyProblem(200, 5);
  const run = (seed: number) => trainSoftmaxRegression(data, undefined, { numClasses: 4, maxEpochs: 3, seed }).model.weights;
  assert.deepEqual(run(7), run(7));
  assert.notDeepEqual(run(7), run(8));
});

test("early stopping keeps the best validation epoch and stops after `patience` worse ones", () => {
  const result = trainSoftmaxRegression(toyProblem(300, 1), toyProblem(60, 9), { numClasses: 4, maxEpochs: 200, patience: 2, seed: 1 });
  assert.ok(result.epochsRun < 200, "a separable toy converges long before 200 epochs");
  const losses = result.history.map((h) => h.validLoss as number);
  assert.equal(Math.min(...losses), losses[result.bestEpoch - 1]);
  assert.equal(result.epochsRun - result.bestEpoch, 2);
});

test("int8 quantization: weights within half a step, logits and argmax agree with the float model", () => {
  const data = toyProblem(400, 11);
  const { model } = trainSoftmaxRegression(data, undefined, { numClasses: 4, maxEpochs: 10, seed: 2 });
  const q = quantizeInt8(model);
  const back = dequantizeInt8(q);
  for (let i = 0; i < model.weights.length; i++) {
    const scale = q.scales[i % 4] as number;
    assert.ok(Math.abs((model.weights[i] as number) - (back.weights[i] as number)) <= scale / 2 + 1e-7);
  }
  const floatLogits = softmaxLogits(model, data.x);
  const intLogits = int8Logits(q, data.x);
  let agree = 0;
  for (let i = 0; i < data.y.length; i++) {
    const argmax = (l: Float64Array) => [0, 1, 2, 3].reduce((b, c) => ((l[i * 4 + c] as number) > (l[i * 4 + b] as number) ? c : b), 0);
    if (argmax(floatLogits) === argmax(intLogits)) agree++;
  }
  assert.ok(agree / data.y.length >= 0.99, `agreement ${agree / data.y.length}`);
});

test("the WebAssembly SIMD and JavaScript backends train the same model (up to float32 rounding)", () => {
  const data = toyProblem(400, 21);
  const simd = trainSoftmaxRegression(data, undefined, { numClasses: 4, maxEpochs: 5, seed: 4 });
  const js = trainSoftmaxRegression(data, undefined, { numClasses: 4, maxEpochs: 5, seed: 4, backend: "js" });
  let maxDiff = 0;
  for (let i = 0; i < simd.model.weights.length; i++) maxDiff = Math.max(maxDiff, Math.abs((simd.model.weights[i] as number) - (js.model.weights[i] as number)));
  assert.ok(maxDiff < 1e-3, `max weight difference ${maxDiff}`);
  const argmaxes = (logits: Float64Array) => Array.from({ length: data.y.length }, (_, i) => {
    const row = Array.from(logits.subarray(i * 4, i * 4 + 4));
    return row.indexOf(Math.max(...row));
  });
  assert.deepEqual(argmaxes(softmaxLogits(simd.model, data.x)), argmaxes(softmaxLogits(js.model, data.x)));
});
