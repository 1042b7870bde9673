import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldAccuracy, macroF1, scoreAnswer } from "./score.ts";

test("classify scoring and macro-F1", () => {
  assert.deepEqual(scoreAnswer({ kind: "classify", label: "a" }, { kind: "classify", label: "a" }, []), { correct: true });
  assert.equal(scoreAnswer(null, { kind: "classify", label: "a" }, []).correct, null);
  assert.equal(scoreAnswer({ kind: "classify", label: "a" }, null, []).unscored, "no gold answer for this item");
  // a: tp 1, fp 1, fn 0 → 2/3; b: tp 1, fp 0, fn 1 → 2/3.
  const f1 = macroF1([
    { gold: "a", predicted: "a" },
    { gold: "b", predicted: "b" },
    { gold: "b", predicted: "a" },
  ]);
  assert.ok(Math.abs((f1 ?? 0) - 2 / 3) < 1e-12);
  assert.equal(macroF1([]), null);
});

test("extract scoring: exact match after trim, whitespace collapse and case folding; missing gold is not scored", () => {
  const score = scoreAnswer(
    { kind: "extract", fields: { company: " ACME  sdn bhd ", total: "9.00", date: null } },
    { kind: "extract", fields: { company: "Acme Sdn Bhd", total: "9.10", date: null } },
    ["company", "total", "date"],
  );
  assert.deepEqual(score.fieldCorrect, { company: true, total: false, date: null });
  assert.equal(score.correct, false);
  const acc = fieldAccuracy([{ a: true, b: null }, { a: false, b: true }], ["a", "b"]);
  assert.deepEqual(acc.perField, { a: 0.5, b: 1 });
  assert.equal(acc.mean, 0.75);
});
