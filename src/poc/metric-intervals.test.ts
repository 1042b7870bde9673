import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyIntervals, fieldIntervals, requestMeanInterval } from "./metric-intervals.ts";

test("accuracy gets Wilson's interval, macro-F1 a bootstrap over items", () => {
  const pairs = Array.from({ length: 40 }, (_, i) => ({ gold: `l${i % 4}`, predicted: i % 10 === 0 ? "(failed)" : `l${i % 4}` }));
  const { accuracy, macroF1 } = classifyIntervals(pairs);
  // 36 of 40: Wilson 95% is 76.9–96.0%.
  assert.equal(accuracy.ci95_method, "wilson");
  assert.equal(accuracy.ci95_n, 40);
  assert.ok(Math.abs((accuracy.ci95?.[0] ?? 0) - 0.7695) < 1e-3 && Math.abs((accuracy.ci95?.[1] ?? 0) - 0.9604) < 1e-3, JSON.stringify(accuracy));
  assert.equal(macroF1.ci95_method, "bootstrap_items");
  assert.ok((macroF1.ci95?.[0] ?? 1) < (macroF1.ci95?.[1] ?? 0));
  assert.deepEqual(classifyIntervals([]), { accuracy: {}, macroF1: {} }, "nothing scored: no interval");
});

test("field rates get Wilson; their mean is not a certain 100% when every field of 3 documents is right", () => {
  const rows = [
    { date: true, total: true },
    { date: true, total: true },
    { date: true, total: null },
  ];
  const { perField, mean } = fieldIntervals(rows, ["date", "total"]);
  assert.equal(perField.date?.ci95_n, 3);
  assert.ok(Math.abs((perField.date?.ci95?.[0] ?? 0) - 0.4385) < 1e-3, JSON.stringify(perField.date));
  assert.equal(perField.total?.ci95_n, 2, "an unscorable field is not a unit");
  // The bootstrap over 3 all-right documents is 100–100%; the pooled fields' Wilson (5/5: 56.6–100%) widens it.
  assert.equal(mean.ci95_method, "wilson_or_bootstrap_documents");
  assert.ok(Math.abs((mean.ci95?.[0] ?? 0) - 0.5655) < 1e-3 && mean.ci95?.[1] === 1, JSON.stringify(mean));
});

test("a per-request mean is bootstrapped and scaled like its figure; an unknown request means no interval", () => {
  const joules = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 36 : 72));
  const kwh = requestMeanInterval(joules, 1000 / 3.6e6);
  assert.ok(kwh.ci95 !== undefined && kwh.ci95 !== null && kwh.ci95[0] < 0.015 && 0.015 < kwh.ci95[1], JSON.stringify(kwh));
  assert.deepEqual(requestMeanInterval([1, null, 2]), {});
});
