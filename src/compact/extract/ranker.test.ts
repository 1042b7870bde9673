import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { createRng } from "../random.ts";
import { applyCalibration, calibrationFeatures, fitCalibration } from "./calibration.ts";
import { hashString } from "../hashing.ts";
import { FEATURE_VERSION } from "./features.ts";
import { CollectingSink, mixFeature, ScoringSink } from "./feature-sink.ts";
import { WeightTable } from "./weight-table.ts";
import { scoreVector, softmaxInPlace, trainRanker, type RankingGroup } from "./ranker.ts";

const DIM = 1 << 12;

/**
 * Synthetic documents: 8 candidates each, every candidate carries 3 random noise words; the right one also carries the
 * "signal" word with probability 0.9 (and a wrong one with probability 0.1). A ranker that learns picks the right one far
 * more often than chance (1/8).
 */
function makeGroups(count: number, seed: number): RankingGroup[] {
  const random = createRng(seed);
  const sink = new CollectingSink(DIM);
  return Array.from({ length: count }, () => {
    const right = Math.floor(random() * 8);
    const decoy = (right + 1 + Math.floor(random() * 7)) % 8;
    const vectors = Array.from({ length: 8 }, (_, c) => {
      for (let k = 0; k < 3; k++) sink.add(1, Math.floor(random() * 50));
      if ((c === right && random() < 0.9) || (c === decoy && random() < 0.1)) sink.add(2, 7);
      return sink.take();
    });
    return { vectors, positive: Uint8Array.from({ length: 8 }, (_, c) => (c === right ? 1 : 0)) };
  });
}

function top1(weights: Float32Array, groups: readonly RankingGroup[]): number {
  let hits = 0;
  for (const g of groups) {
    const scores = g.vectors.map((v) => scoreVector(weights, v));
    const best = scores.indexOf(Math.max(...scores));
    if (g.positive[best] === 1) hits++;
  }
  return hits / groups.length;
}

describe("trainRanker", () => {
  it("learns which feature marks the right candidate", () => {
    const train = makeGroups(300, 1);
    const test = makeGroups(200, 2);
    const untrained = top1(new Float32Array(DIM), test);
    const weights = trainRanker(train, { dimension: DIM, epochs: 5, learningRate: 0.2, l2: 1e-6, seed: 1 });
    const accuracy = top1(weights, test);
    assert.ok(accuracy >= 0.8, `held-out top-1 ${accuracy} (untrained ${untrained})`);
  });

  it("is deterministic for a seed", () => {
    const groups = makeGroups(50, 3);
    const a = trainRanker(groups, { dimension: DIM, epochs: 2, learningRate: 0.2, l2: 0, seed: 9 });
    const b = trainRanker(groups, { dimension: DIM, epochs: 2, learningRate: 0.2, l2: 0, seed: 9 });
    assert.deepEqual(a, b);
  });

  it("scores the same through the serving sink as through collected vectors, bags included", () => {
    const weights = trainRanker(makeGroups(50, 4), { dimension: DIM, epochs: 2, learningRate: 0.2, l2: 0, seed: 1 });
    const collect = new CollectingSink(DIM);
    const score = new ScoringSink(WeightTable.fromDense(weights));
    score.beginDocument();
    for (const s of [collect, score]) {
      s.add(1, 3);
      s.add(2, 7, 0.5);
      s.addBag(5, 0, [1, 2, 3]);
      s.addBag(5, 0, [1, 2, 3]);
    }
    assert.ok(Math.abs(scoreVector(weights, collect.take()) - score.score) < 1e-5);
  });
});

describe("softmaxInPlace", () => {
  it("is stable for large scores and sums to 1", () => {
    const p = softmaxInPlace(Float64Array.from([1000, 999, -1000]));
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok((p[0] as number) > (p[1] as number) && (p[2] as number) < 1e-300);
  });
});

describe("calibration", () => {
  it("recovers a logistic relation between margin and correctness (Platt scaling), monotone and below 1", () => {
    // Truth: P(correct | margin m) = sigmoid(0.8 m - 1).
    const random = createRng(5);
    const items = Array.from({ length: 4000 }, () => {
      const score = random() * 12 - 2;
      return { features: [score], correct: random() < 1 / (1 + Math.exp(-(0.8 * score - 1))) };
    });
    const fit = fitCalibration(items);
    const a = fit.weights[0] ?? 0;
    assert.ok(Math.abs(a - 0.8) < 0.1 && Math.abs(fit.bias + 1) < 0.25, `a=${a} b=${fit.bias}`);
    assert.ok(applyCalibration(fit, [1]) < applyCalibration(fit, [5]));
    assert.ok(applyCalibration(fit, [1e6]) < 1);
  });

  it("uses a second feature the margin cannot see", () => {
    // Same margins; answers the memory knows are right 90% of the time, unknown ones 50%.
    const random = createRng(6);
    const items = Array.from({ length: 4000 }, (_, i) => {
      const known = i % 2 === 0;
      return { features: calibrationFeatures(3, known, 1, true), correct: random() < (known ? 0.9 : 0.5) };
    });
    const fit = fitCalibration(items);
    assert.ok(Math.abs(applyCalibration(fit, calibrationFeatures(3, true, 1, true)) - 0.9) < 0.03);
    assert.ok(Math.abs(applyCalibration(fit, calibrationFeatures(3, false, 1, true)) - 0.5) < 0.04);
  });

  it("stays finite on separable data", () => {
    const items = [...Array.from({ length: 50 }, () => ({ features: [10], correct: true })), ...Array.from({ length: 50 }, () => ({ features: [0], correct: false }))];
    const fit = fitCalibration(items);
    assert.ok(fit.weights.every(Number.isFinite) && Number.isFinite(fit.bias));
    assert.ok(applyCalibration(fit, [10]) > 0.9 && applyCalibration(fit, [0]) < 0.1);
  });
});

describe("feature hashing", () => {
  it("is pinned: saved models depend on these exact values", () => {
    // If this fails, the shared hashing changed and every saved extractor reads garbage: the version-1 fixture test in
    // model.test.ts fails too. Changing features means a new FEATURE_VERSION, emitted only for models of that version.
    assert.equal(FEATURE_VERSION, 2);
    assert.equal(hashString("total"), 528004443);
    assert.equal(mixFeature(3, hashString("total")), 4182427321);
    assert.equal(mixFeature(0, 0), 4094899586);
  });
});
