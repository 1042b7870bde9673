import { test } from "node:test";
import assert from "node:assert/strict";
import { createPiiGuard } from "./guard.ts";
import { generateLabeledSet } from "./labeled-set.ts";
import { scoreGuard, wilsonInterval } from "./quality.ts";
import { BUILTIN_PII_TYPES } from "./types.ts";

// A quality floor on generated text (seed 7; bench/guard.ts reports on another seed), not a timing.
test("every detector keeps precision and recall at or above 0.95 on 2,000 generated sentences", () => {
  const scores = scoreGuard(generateLabeledSet({ seed: 7, size: 2000 }), createPiiGuard().scan);
  assert.deepEqual(scores.map((s) => s.type), [...BUILTIN_PII_TYPES].sort());
  for (const s of scores) {
    assert.ok(s.truePositives + s.falseNegatives >= 100, `${s.type}: only ${s.truePositives + s.falseNegatives} gold spans`);
    assert.ok(s.precision >= 0.95, `${s.type}: precision ${s.precision} (${s.falsePositives} false positives)`);
    assert.ok(s.recall >= 0.95, `${s.type}: recall ${s.recall} (${s.falseNegatives} misses)`);
  }
});

test("scoring: exact spans only, misses and false alarms counted per type", () => {
  const sentences = [{ text: "a@b.fr x", language: "en" as const, gold: [{ type: "email", start: 0, end: 6 }, { type: "phone", start: 7, end: 8 }], nearMisses: [] }];
  const scores = scoreGuard(sentences, () => [{ type: "email", start: 0, end: 5 }, { type: "ip", start: 7, end: 8 }]);
  assert.deepEqual(scores.map((s) => [s.type, s.truePositives, s.falsePositives, s.falseNegatives]), [["email", 0, 1, 1], ["ip", 0, 1, 0], ["phone", 0, 0, 1]]);
});

test("Wilson interval: textbook values, and [0, 1] with no trials", () => {
  const { low, high } = wilsonInterval(81, 263);
  assert.ok(Math.abs(low - 0.2553) < 1e-3 && Math.abs(high - 0.3662) < 1e-3, `${low} ${high}`);
  const all = wilsonInterval(300, 300);
  assert.equal(all.high, 1);
  assert.ok(all.low > 0.98 && all.low < 0.99, String(all.low));
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
});
