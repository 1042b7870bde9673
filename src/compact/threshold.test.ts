import { test } from "node:test";
import assert from "node:assert/strict";
import { binomialCdf, clopperPearsonUpper, minimumCertifiableCount } from "./binomial.ts";
import { createRng, type Rng } from "./random.ts";
import { labelFreeStart, plannedStart, selectThreshold } from "./threshold.ts";
import { sampleCalibration, type Risk, type SyntheticCalibration } from "../../test/fixtures/synthetic-calibration.ts";

function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

test("binomial CDF matches the direct sum, and Clopper-Pearson inverts it", () => {
  for (const [k, n, p] of [[0, 10, 0.1], [3, 20, 0.2], [7, 30, 0.5], [2, 50, 0.01]] as const) {
    let direct = 0;
    for (let i = 0; i <= k; i++) direct += choose(n, i) * p ** i * (1 - p) ** (n - i);
    assert.ok(Math.abs(binomialCdf(k, n, p) - direct) < 1e-12, `${k},${n},${p}`);
  }
  // Zero errors: the bound has a closed form, 1 − δ^(1/n).
  assert.ok(Math.abs(clopperPearsonUpper(0, 100, 0.05) - (1 - 0.05 ** (1 / 100))) < 1e-9);
  const upper = clopperPearsonUpper(12, 1000, 0.05);
  assert.ok(Math.abs(binomialCdf(12, 1000, upper) - 0.05) < 1e-6);
  assert.equal(minimumCertifiableCount(0.02, 0.05), 149);
});

/**
 * Synthetic calibration sets with a known truth: confidence s ~ U(0, 1), P(wrong | s) = risk(s). For the default risk
 * 0.2 (1 − s)², the kept error rate at threshold λ is 0.2 (1 − λ)² / 3, so the exact threshold where it equals ε is known:
 * λ* = 1 − sqrt(15 ε).
 */
const quadratic: Risk = (s) => 0.2 * (1 - s) ** 2;
const sample = (n: number, rng: Rng, risk: Risk = quadratic): SyntheticCalibration => sampleCalibration(n, rng, risk);
const trueRisk = (lambda: number): number => (0.2 * (1 - lambda) ** 2) / 3;

function simulate(runs: number, pick: (cal: ReturnType<typeof sample>, valid: ReturnType<typeof sample>) => number, risk: Risk = quadratic, sizes = { valid: 500, cal: 2000 }) {
  const rng = createRng(42);
  let violations = 0;
  let coverage = 0;
  let certified = 0;
  for (let r = 0; r < runs; r++) {
    const valid = sample(sizes.valid, rng, risk);
    const cal = sample(sizes.cal, rng, risk);
    const lambda = pick(cal, valid);
    if (Number.isFinite(lambda)) {
      certified++;
      if (trueRisk(lambda) > 0.02) violations++;
    }
    coverage += Number.isFinite(lambda) ? 1 - lambda : 0;
  }
  return { violationRate: violations / runs, meanCoverage: coverage / runs, certifiedRate: certified / runs };
}

// The trainer's procedure: two fixed sequences at δ/2 each, started by the count rule and by the plan, both from validation.
const twoStarts = (cal: ReturnType<typeof sample>, valid: ReturnType<typeof sample>): number =>
  selectThreshold({
    ...cal,
    maxError: 0.02,
    confidenceLevel: 0.95,
    startThresholds: [
      labelFreeStart(valid.confidences, 0.02, 0.95, { calibrationSize: cal.confidences.length }),
      plannedStart({ ...valid, calibrationSize: cal.confidences.length, maxError: 0.02 }),
    ],
  }).threshold;

test("the certified threshold breaks its bound in at most δ of simulated calibration sets (where truth is known)", () => {
  const runs = 400;
  const planned = simulate(runs, (cal, valid) => {
    const startThreshold = labelFreeStart(valid.confidences, 0.02, 0.95, { calibrationSize: 2000 });
    return selectThreshold({ ...cal, maxError: 0.02, confidenceLevel: 0.95, startThreshold }).threshold;
  });
  const labelFree = simulate(runs, (cal) => selectThreshold({ ...cal, maxError: 0.02, confidenceLevel: 0.95 }).threshold);
  const both = simulate(runs, twoStarts);
  // δ = 0.05, plus three binomial standard errors of the simulation itself.
  const slack = 3 * Math.sqrt((0.05 * 0.95) / runs);
  for (const [name, r] of [["validation start", planned], ["label-free start", labelFree], ["two starts", both]] as const) {
    assert.ok(r.violationRate <= 0.05 + slack, `${name}: violation rate ${r.violationRate}`);
    // Not vacuous: the exact λ* keeps 54.8% of items, and with 2,000 calibration items a binomial test can at best certify
    // about 42% (the error among kept items must sit well below ε for the bound to clear it).
    assert.ok(r.meanCoverage > 0.3, `${name}: mean coverage ${r.meanCoverage}`);
  }
});

test("label noise among the most confident items: two starts still certify where the count rule alone stops at once", () => {
  // 0.5% of even the most confident items are wrong (noisy labels), the rest of the risk grows as confidence falls.
  const noisyTop: Risk = (s) => 0.005 + 0.2 * (1 - s) ** 3;
  const sizes = { valid: 1000, cal: 5000 };
  const countRule = simulate(
    200,
    (cal, valid) => selectThreshold({ ...cal, maxError: 0.02, confidenceLevel: 0.95, startThreshold: labelFreeStart(valid.confidences, 0.02, 0.95, { calibrationSize: 5000 }) }).threshold,
    noisyTop,
    sizes,
  );
  const both = simulate(200, twoStarts, noisyTop, sizes);
  assert.ok(both.certifiedRate > countRule.certifiedRate + 0.2, `certified: two starts ${both.certifiedRate}, count rule ${countRule.certifiedRate}`);
});

test("the simulation can fail: picking the lowest threshold whose empirical error is ≤ ε breaks the bound often", () => {
  const naive = simulate(200, (cal) => {
    // Scan from the least confident item up: the lowest threshold whose kept items show an error rate ≤ ε.
    const order = Array.from(cal.confidences.keys()).sort((a, b) => (cal.confidences[b] as number) - (cal.confidences[a] as number));
    let errors = 0;
    let chosen = Number.POSITIVE_INFINITY;
    order.forEach((i, rank) => {
      if (!cal.correct[i]) errors++;
      if (errors / (rank + 1) <= 0.02) chosen = cal.confidences[i] as number;
    });
    return chosen;
  });
  assert.ok(naive.violationRate > 0.2, `naive violation rate ${naive.violationRate}`);
});

test("too little calibration data certifies nothing instead of guessing", () => {
  const rng = createRng(3);
  const small = sample(100, rng);
  const selection = selectThreshold({ ...small, maxError: 0.02, confidenceLevel: 0.95 });
  assert.equal(selection.certified, false);
  assert.equal(selection.threshold, Number.POSITIVE_INFINITY);
  assert.equal(selection.coverage, 0);
});

test("a perfect calibration set is certified with a Clopper-Pearson bound below ε", () => {
  const confidences = Float64Array.from({ length: 1000 }, (_, i) => 0.5 + i / 2000);
  const selection = selectThreshold({ confidences, correct: new Uint8Array(1000).fill(1), maxError: 0.02, confidenceLevel: 0.95 });
  assert.ok(selection.certified);
  assert.ok(selection.coverage > 0.95);
  assert.ok(selection.errorUpperBound <= 0.02);
  assert.ok(labelFreeStart(confidences, 0.02, 0.95) > 0.5);
});
