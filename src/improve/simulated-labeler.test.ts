import { test } from "node:test";
import assert from "node:assert/strict";
import { binomialCdf } from "../compact/binomial.ts";
import { isFrugalError } from "../core/errors.ts";
import { createSimulatedLabeler } from "./simulated-labeler.ts";

const LABELS = Array.from({ length: 10 }, (_, i) => `label_${i}`);

test("the noise rate is honoured within a binomial bound, flips go to other labels, and every answer is marked simulated", () => {
  const n = 20_000;
  const noise = 0.05;
  const labeler = createSimulatedLabeler({ labels: LABELS, noise, seed: 7 });
  let flipped = 0;
  const wrongLabels = new Set<string>();
  for (let i = 0; i < n; i++) {
    const gold = LABELS[i % LABELS.length] as string;
    const answer = labeler.label(`request number ${i}`, gold);
    assert.equal(answer.labeler, "simulated");
    assert.equal(answer.flipped, answer.label !== gold);
    assert.ok(LABELS.includes(answer.label));
    if (answer.flipped) {
      flipped++;
      wrongLabels.add(answer.label);
    }
  }
  // Two-sided test at level 1e-6: a correct labeler fails it once in a million seeds.
  assert.ok(binomialCdf(flipped, n, noise) > 5e-7, `too few flips: ${flipped} of ${n}`);
  assert.ok(1 - binomialCdf(flipped - 1, n, noise) > 5e-7, `too many flips: ${flipped} of ${n}`);
  assert.equal(wrongLabels.size, LABELS.length, "flips spread over every label");
  assert.deepEqual(labeler.stats(), { calls: n, flipped, labeler: "simulated" });
});

test("answers are deterministic per text and seed, whatever the call order", () => {
  const a = createSimulatedLabeler({ labels: LABELS, noise: 0.5, seed: 3 });
  const b = createSimulatedLabeler({ labels: LABELS, noise: 0.5, seed: 3 });
  const texts = Array.from({ length: 200 }, (_, i) => `text ${i}`);
  const forward = texts.map((t) => a.label(t, "label_0").label);
  const backward = [...texts].reverse().map((t) => b.label(t, "label_0").label).reverse();
  assert.deepEqual(forward, backward);
  const other = createSimulatedLabeler({ labels: LABELS, noise: 0.5, seed: 4 });
  assert.notDeepEqual(texts.map((t) => other.label(t, "label_0").label), forward);
});

test("noise 0 never flips; bad options and unknown gold labels are errors", () => {
  const exact = createSimulatedLabeler({ labels: LABELS, noise: 0 });
  for (let i = 0; i < 1000; i++) assert.equal(exact.label(`t${i}`, "label_3").label, "label_3");
  assert.throws(() => createSimulatedLabeler({ labels: LABELS, noise: 1.5 }), isFrugalError);
  assert.throws(() => exact.label("x", "not a label"), isFrugalError);
});
