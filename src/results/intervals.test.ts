import assert from "node:assert/strict";
import { test } from "node:test";
import { against, bootstrapMean, bootstrapRatio, bootstrapStatistic, widest, wilson } from "./intervals.ts";

const close = (actual: number | undefined, expected: number, tolerance: number, what: string): void =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test("wilson matches published values (R binom::binom.wilson / prop.test without continuity correction)", () => {
  const half = wilson(5, 10);
  close(half?.[0], 0.2365931, 1e-6, "5/10 lower");
  close(half?.[1], 0.7634069, 1e-6, "5/10 upper");
  // All right out of 10: the lower bound is n / (n + z²), not 100%.
  const all = wilson(10, 10);
  close(all?.[0], 0.7224672, 1e-6, "10/10 lower");
  assert.equal(all?.[1], 1);
  const none = wilson(0, 10);
  assert.equal(none?.[0], 0);
  close(none?.[1], 0.2775328, 1e-6, "0/10 upper");
  const big = wilson(2900, 3080);
  close(big?.[0], 0.9326, 5e-4, "2900/3080 lower");
  close(big?.[1], 0.9492, 5e-4, "2900/3080 upper");
  assert.equal(wilson(0, 0), null);
  assert.equal(wilson(3, 2), null);
});

test("the bootstrap of a mean matches the normal interval on a large sample, and is reproducible", () => {
  // 1,000 draws of a 0/1 variable with p = 0.3: the 95% interval of the mean is about 0.3 ± 1.96·sqrt(0.21/1000) = ± 0.0284.
  const values = Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0));
  const interval = bootstrapMean(values);
  close(interval?.[0], 0.3 - 0.0284, 0.005, "lower");
  close(interval?.[1], 0.3 + 0.0284, 0.005, "upper");
  assert.deepEqual(bootstrapMean(values), interval, "same seed, same interval");
  assert.notDeepEqual(bootstrapMean(values, { seed: 7 }), interval, "another seed resamples differently");
  assert.deepEqual(bootstrapMean([2, 2, 2]), [2, 2], "a constant has a point interval");
  assert.equal(bootstrapMean([]), null);
});

test("the bootstrap of a ratio of means brackets the ratio and widens on a smaller sample", () => {
  const cheap = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 10 : 1)); // mean 3.25
  const dear = Array.from({ length: 400 }, (_, i) => 20 + (i % 5)); // mean 22
  const ratio = bootstrapRatio(dear, cheap);
  assert.ok(ratio !== null && ratio[0] < 22 / 3.25 && 22 / 3.25 < ratio[1], `${ratio}`);
  // The delta method's standard error of mean(cheap) is 3.9/sqrt(400) ≈ 0.195 (6%): the interval is about ± 12%.
  close(ratio?.[0], (22 / 3.25) * 0.885, 0.35, "ratio lower");
  close(ratio?.[1], (22 / 3.25) * 1.13, 0.35, "ratio upper");
  const small = bootstrapRatio(dear.slice(0, 20), cheap.slice(0, 20));
  assert.ok(small !== null && ratio !== null && small[1] - small[0] > ratio[1] - ratio[0], "fewer requests, wider interval");
  assert.equal(bootstrapRatio([1], []), null);
  assert.equal(bootstrapRatio([1, 2], [0, 0]), null, "no resample has a nonzero denominator");
});

test("bootstrapStatistic skips resamples with nothing to compute on", () => {
  const interval = bootstrapStatistic(5, (indices) => (indices.every((i) => i === 0) ? null : indices.length));
  assert.deepEqual(interval, [5, 5]);
});

test("an interval stands above, below or across a decision; widest holds both", () => {
  assert.equal(against([0.96, 0.99], 0.95), "above");
  assert.equal(against([0.72, 1], 0.95), "crosses");
  assert.equal(against([0.5, 0.9], 0.95), "below");
  assert.equal(against([4.9, 6.3], 1), "above");
  assert.deepEqual(widest([0.2, 0.5], [0.3, 0.6]), [0.2, 0.6]);
  assert.deepEqual(widest(null, [0.3, 0.6]), [0.3, 0.6]);
});
