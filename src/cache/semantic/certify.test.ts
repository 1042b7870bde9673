import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../core/random.ts";
import { certifyWrongHitRate, minimumCalibrationLookups } from "./certify.ts";

/** Lookups whose best candidate is wrong with a probability that falls as the score rises. */
function draw(n: number, seed: number): { scores: Float64Array; wrong: Uint8Array } {
  const rng = createRng(seed);
  const scores = new Float64Array(n);
  const wrong = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = rng();
    scores[i] = s;
    wrong[i] = rng() < 1 - s ** 0.5 ? 1 : 0;
  }
  return { scores, wrong };
}

/** The true wrong-hit rate per lookup at threshold t for `draw`'s law: ∫_t^1 (1 − √s) ds. */
const trueRisk = (t: number): number => 1 - t - (2 / 3) * (1 - t ** 1.5);

test("the certified threshold keeps wrong hits / lookups <= δ in (far) more than 95% of calibration draws", () => {
  const delta = 0.02;
  let violations = 0;
  const runs = 200;
  for (let seed = 1; seed <= runs; seed++) {
    const c = certifyWrongHitRate({ ...draw(2000, seed), maxWrongHitRate: delta, confidenceLevel: 0.95 });
    assert.ok(c.certified);
    assert.ok(c.hits > 0, "a threshold that accepts something");
    if (trueRisk(c.threshold) > delta) violations++;
  }
  assert.ok(violations / runs <= 0.05, `violations ${violations}/${runs}`);
});

test("the risk is counted over lookups, not hits: the bound is wrong hits / all lookups", () => {
  const c = certifyWrongHitRate({ ...draw(5000, 3), maxWrongHitRate: 0.05, confidenceLevel: 0.95 });
  assert.ok(c.wrongHits / c.lookups <= 0.05);
  assert.ok(c.wrongHitUpperBound <= 0.05 && c.wrongHitUpperBound >= c.wrongHits / c.lookups);
});

test("too few lookups certify nothing: the cache never hits", () => {
  const n = minimumCalibrationLookups(0.01, 0.95) - 1;
  const c = certifyWrongHitRate({ ...draw(n, 1), maxWrongHitRate: 0.01, confidenceLevel: 0.95 });
  assert.equal(c.certified, false);
  assert.equal(c.threshold, Number.POSITIVE_INFINITY);
});
