import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "./random.ts";
import { fitTemperature, maxSoftmax, meanNll } from "./temperature.ts";

/** Labels drawn from softmax(z), but the model reports logits 4·z: over-confident by a known factor. */
function overconfident(n: number, k: number, factor: number, seed: number) {
  const rng = createRng(seed);
  const logits = new Float64Array(n * k);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => 2 * (rng() - 0.5) * 2);
    const max = Math.max(...z);
    const p = z.map((v) => Math.exp(v - max));
    const sum = p.reduce((a, b) => a + b, 0);
    let u = rng() * sum;
    let label = 0;
    while (label < k - 1 && u > (p[label] as number)) u -= p[label++] as number;
    labels[i] = label;
    z.forEach((v, c) => (logits[i * k + c] = factor * v));
  }
  return { logits, labels, numClasses: k };
}

test("temperature scaling recovers the over-confidence factor and lowers the NLL", () => {
  const set = overconfident(4000, 5, 4, 1);
  const fit = fitTemperature(set);
  assert.ok(fit.nllAfter < fit.nllBefore * 0.8, `NLL ${fit.nllBefore} -> ${fit.nllAfter}`);
  assert.ok(Math.abs(fit.temperature - 4) < 0.5, `T = ${fit.temperature}`);
  assert.ok(Math.abs(meanNll(set, fit.temperature) - fit.nllAfter) < 1e-9);
});

test("a calibrated model keeps T ≈ 1, and rows with unknown labels are ignored", () => {
  const set = overconfident(4000, 5, 1, 2);
  set.labels[0] = -1;
  const fit = fitTemperature(set);
  assert.ok(Math.abs(fit.temperature - 1) < 0.15, `T = ${fit.temperature}`);
});

test("maxSoftmax gives the argmax and its tempered probability", () => {
  const logits = [1, 3, 2];
  const { index, probability } = maxSoftmax(logits, 0, 3, 2);
  assert.equal(index, 1);
  const expected = Math.exp(3 / 2) / (Math.exp(1 / 2) + Math.exp(3 / 2) + Math.exp(2 / 2));
  assert.ok(Math.abs(probability - expected) < 1e-12);
});
