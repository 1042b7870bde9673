import { test } from "node:test";
import assert from "node:assert/strict";
import type { SweepRequest } from "../cascade/index.ts";
import { heldOutRecommendation, selectionHalf } from "./held-out.ts";

/** One classify request: the compact answer's confidence and correctness, the LLM always right at $0.01. */
function request(confidence: number, compactCorrect: boolean, cached = false): SweepRequest {
  return { baseCostUsd: 0.0001, llmCostUsd: 0.01, llmCostEstimated: false, ...(cached ? { cached: true } : {}), units: [{ confidence, compactCorrect, llmCorrect: true, llmKnown: true }] };
}

test("the split is by item, seeded, balanced, and keeps every request of an item on one side", () => {
  const items = Array.from({ length: 101 }, (_, i) => `item-${i}`);
  const half = selectionHalf(items);
  assert.equal(half.size, 51);
  assert.deepEqual([...selectionHalf(items)], [...half], "same seed, same split");
  assert.notDeepEqual([...selectionHalf(items, 7)].sort(), [...half].sort(), "another seed, another split");
  assert.equal(selectionHalf([...items, ...items]).size, 51, "repeated items count once");
});

test("the threshold is chosen on one half and its figures are the other half's", () => {
  // Items 0-99: the compact tier is sure (0.9). On the selection half it is always right; on the other half it is wrong on
  // 1 in 5 of them, which the selection half cannot see.
  const items = Array.from({ length: 100 }, (_, i) => `item-${i}`);
  const chooseOn = selectionHalf(items);
  let wrong = 0;
  const requests = items.map((id) => {
    const fails = !chooseOn.has(id) && wrong++ % 5 === 0;
    return request(0.9, !fails);
  });
  const held = heldOutRecommendation({ requests, energy: requests, items, thresholds: [0, 0.5, 0.95], target: 0.95, assumedLlmQuality: undefined, clustered: false });
  const rec = held.recommendation;
  assert.equal(rec.threshold, 0, "on the selection half the compact tier is right everywhere: keep everything");
  assert.equal(held.selection.chosen_on_quality, 1, "that is what the choosing half saw");
  assert.equal(rec.quality, 0.8, "the held-out half: 10 of 50 wrong");
  assert.equal(rec.quality_provenance, "measured");
  assert.deepEqual([held.selection.chosen_on.items, held.selection.scored_on.items], [50, 50]);
  assert.ok(held.quality_ci95 !== null && held.quality_ci95[1] < 0.95, "the held-out interval is below the target");
  assert.equal(held.scored_units, 50);
  assert.ok(held.cost_ci95 !== null && held.cost_ci95[0] <= (rec.cost_per_request_usd ?? -1));
});

test("against a baseline: the cut factor of the recommended point with its interval", () => {
  const items = Array.from({ length: 60 }, (_, i) => `item-${i}`);
  // A third of the requests are unsure and escalate at threshold 0.5: cost ≈ 0.0001 + 0.01 / 3.
  const requests = items.map((_, i) => request(i % 3 === 0 ? 0.2 : 0.9, true));
  const held = heldOutRecommendation({
    requests,
    energy: requests,
    items,
    thresholds: [0.5],
    target: 0.9,
    assumedLlmQuality: undefined,
    clustered: false,
    baseline: { name: "dense", costs: items.map(() => 0.01), energies: items.map(() => 0.01) },
  });
  const v = held.versus_baseline;
  assert.ok(v !== null && v.cost_cut_factor !== null && v.cost_cut_factor_ci95 !== null);
  assert.ok(v.cost_cut_factor > 2 && v.cost_cut_factor < 4, String(v.cost_cut_factor));
  assert.ok(v.cost_cut_factor_ci95[0] < v.cost_cut_factor && v.cost_cut_factor < v.cost_cut_factor_ci95[1], JSON.stringify(v));
});

test("no items left to score on: no figures, said so", () => {
  const held = heldOutRecommendation({ requests: [request(0.9, true)], energy: [request(0.9, true)], items: ["only"], thresholds: [0.5], target: 0.9, assumedLlmQuality: undefined, clustered: false });
  assert.equal(held.recommendation.threshold, 0.5);
  assert.equal(held.recommendation.quality, null);
  assert.match(held.recommendation.note, /no items are left to score it on/);
});
