import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultThresholds, recommendThreshold, sweepThresholds, type SweepRequest } from "./sweep.ts";

// Four requests: compact confidence 0.9 (right), 0.7 (right), 0.5 (wrong), 0.3 (wrong); compact costs 1, the LLM 10.
function requests(llmKnown: boolean, llmRight = true): SweepRequest[] {
  return [
    [0.9, true],
    [0.7, true],
    [0.5, false],
    [0.3, false],
  ].map(([confidence, right]) => ({
    baseCostUsd: 1,
    llmCostUsd: 10,
    llmCostEstimated: false,
    units: [{ confidence: confidence as number, compactCorrect: right as boolean, llmCorrect: llmKnown ? llmRight : null, llmKnown }],
  }));
}

test("measured LLM: quality and cost at each threshold, cheapest one meeting the target recommended", () => {
  const points = sweepThresholds(requests(true), [0, 0.6, 0.8, 1]);
  assert.deepEqual(
    points.map((p) => [p.threshold, p.coverage, p.quality, p.cost_per_request_usd]),
    [
      [0, 1, 0.5, 1],
      [0.6, 0.5, 1, 6],
      [0.8, 0.25, 1, 8.5],
      [1, 0, 1, 11],
    ],
  );
  const rec = recommendThreshold(points, 0.9);
  assert.equal(rec.threshold, 0.6);
  assert.equal(rec.basis, "measured");
  assert.equal(rec.quality, 1);
  assert.equal(rec.quality_provenance, "measured");
  assert.equal(rec.compact_quality, 1);
});

test("measured LLM that misses the target: no recommendation, not the compact-only fallback", () => {
  // The LLM is measured and always wrong: chain quality 0.5 at best, although the compact part alone reaches 1 at 0.6.
  const points = sweepThresholds(requests(true, false), [0, 0.6, 0.8]);
  assert.ok(points.every((p) => p.quality !== null));
  const rec = recommendThreshold(points, 0.9);
  assert.equal(rec.basis, "none");
  assert.equal(rec.threshold, null);
  assert.match(rec.note, /no threshold's measured chain quality reaches 0\.9 \(best: 0\.500 at threshold 0\)/);
});

test("modeled LLM: chain quality unknown, compact part measured; recommendation is conditional", () => {
  const points = sweepThresholds(requests(false), [0, 0.6, 0.8]);
  assert.equal(points[0]?.quality, 0.5, "nothing escalates at 0: the chain is the compact model, measured");
  assert.equal(points[0]?.quality_provenance, "measured");
  assert.equal(points[1]?.quality, null);
  assert.equal(points[1]?.quality_provenance, "not_measured");
  assert.equal(points[1]?.compact_quality, 1);
  const rec = recommendThreshold(points, 0.9);
  assert.equal(rec.basis, "compact_part_meets_target");
  assert.equal(rec.threshold, 0.6);
  // The chain's quality is unknown: the compact part's measured quality must not be passed off as it (nor as modeled).
  assert.equal(rec.quality, null);
  assert.equal(rec.quality_provenance, "not_measured");
  assert.equal(rec.compact_quality, 1);
  assert.equal(rec.coverage, 0.5);
  assert.equal(rec.escalation_rate, 0.5);
  assert.equal(rec.cost_per_request_usd, 6);
  assert.match(rec.note, /not measured/);
});

test("a stated LLM-quality assumption gives a modeled chain quality", () => {
  const points = sweepThresholds(requests(false), [0, 0.6], 0.5);
  assert.equal(points[0]?.quality, 0.5, "nothing escalates at 0: measured, no assumption needed");
  assert.equal(points[0]?.quality_assumed, null);
  assert.equal(points[1]?.quality, null);
  assert.equal(points[1]?.quality_assumed, 0.75);
  assert.equal(points[1]?.quality_provenance, "not_measured", "the provenance of `quality`, which is unknown");
  const rec = recommendThreshold(points, 0.7, 0.5);
  assert.equal(rec.basis, "assumed_llm_quality");
  assert.equal(rec.quality, 0.75);
  assert.equal(rec.quality_provenance, "modeled");
  assert.equal(rec.assumed_llm_quality, 0.5);
  assert.equal(rec.compact_quality, 1);
  assert.equal(recommendThreshold(points, 0.99, 0.5).threshold, null);
});

test("cache hits are fixed; extraction units share one LLM call per request", () => {
  const points = sweepThresholds(
    [
      { baseCostUsd: 0, llmCostUsd: 0, llmCostEstimated: false, fixed: { correct: 1, scored: 1 }, units: [] },
      {
        baseCostUsd: 1,
        llmCostUsd: 10,
        llmCostEstimated: true,
        units: [
          { confidence: 0.2, compactCorrect: false, llmCorrect: true, llmKnown: true },
          { confidence: 0.3, compactCorrect: false, llmCorrect: true, llmKnown: true },
          { confidence: 0.9, compactCorrect: true, llmCorrect: null, llmKnown: false },
        ],
      },
    ],
    [0.5],
  );
  assert.equal(points[0]?.cost_per_request_usd, 5.5, "one LLM call for both escalated fields, averaged over 2 requests");
  assert.equal(points[0]?.quality, 1);
  assert.equal(points[0]?.cost_estimated, true);
  assert.ok(defaultThresholds([0.955]).includes(0.955));
});

test("a fixed answer from a modeled tier (a cache hit of an LLM answer) makes the chain's quality unknown", () => {
  const hit: SweepRequest = { baseCostUsd: 0, llmCostUsd: 0, llmCostEstimated: false, fixed: { correct: 0, scored: 0, unknown: 1 }, units: [] };
  const points = sweepThresholds([...requests(true), hit], [0], 1);
  assert.equal(points[0]?.quality, null);
  assert.equal(points[0]?.quality_provenance, "not_measured");
  assert.equal(points[0]?.quality_assumed, 3 / 5, "2 compact right + the hit counted at the assumed accuracy 1, over 5");
  assert.equal(points[0]?.compact_quality, 0.5);
});

test("a cache hit replays its original's units at each threshold, calls nothing and is not the compact tier's coverage", () => {
  const original = requests(false)[3] as SweepRequest; // confidence 0.3, compact wrong, LLM unknown (modeled)
  const hit: SweepRequest = { baseCostUsd: 0, llmCostUsd: 0, llmCostEstimated: false, cached: true, units: original.units };
  const [low, high] = sweepThresholds([original, hit], [0, 0.5], 1);
  // At 0 both keep the compact answer: measured (wrong), nothing escalates, the hit costs nothing.
  assert.deepEqual([low?.quality, low?.coverage, low?.escalation_rate, low?.cost_per_request_usd], [0, 1, 0, 0.5]);
  // At 0.5 both go to the modeled LLM: unknown; only the original calls it.
  assert.deepEqual([high?.quality, high?.quality_assumed, high?.coverage, high?.escalation_rate, high?.cost_per_request_usd], [null, 1, 0, 1, 5.5]);
});

test("a routed request's cost counts at every threshold", () => {
  const routed: SweepRequest = { baseCostUsd: 10, llmCostUsd: 0, llmCostEstimated: false, fixed: { correct: 1, scored: 1 }, units: [] };
  const [point] = sweepThresholds([...requests(true), routed], [1]);
  assert.equal(point?.cost_per_request_usd, (4 * 11 + 10) / 5);
  assert.equal(point?.quality, 1);
});
