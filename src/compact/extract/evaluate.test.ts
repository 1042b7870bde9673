import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { CompactExtractor, FieldPrediction } from "../types.ts";
import { evaluateExtractor, sweepCurve } from "./evaluate.ts";

/** A scripted extractor: the text is a JSON map of field → [value, confidence]. */
const scripted: CompactExtractor = {
  kind: "extract",
  fields: ["date", "total"],
  thresholds: { date: 0.9, total: Number.POSITIVE_INFINITY },
  predict(text) {
    const script = JSON.parse(text) as Record<string, [string | null, number]>;
    const out: Record<string, FieldPrediction> = {};
    for (const [field, [value, confidence]] of Object.entries(script)) out[field] = { value, confidence, lines: [] };
    return out;
  },
};

const doc = (script: Record<string, [string | null, number]>, fields: Record<string, string | null>) => ({ text: JSON.stringify(script), fields });

describe("evaluateExtractor", () => {
  const docs = [
    doc({ date: ["1/1/2018", 0.95], total: ["9.00", 0.99] }, { date: " 1/1/2018", total: "9.00" }),
    doc({ date: ["2/1/2018", 0.97], total: ["RM 9.00", 0.5] }, { date: "3/1/2018", total: "9.00" }),
    doc({ date: ["4/1/2018", 0.5], total: [null, 0] }, { date: "4/1/2018", total: "1.00" }),
    doc({ date: ["5/1/2018", 0.99], total: ["2.00", 0.9] }, { date: "5/1/2018", total: null }),
  ];
  const report = evaluateExtractor(scripted, docs);

  it("scores exact match after normalization, per field, skipping missing labels", () => {
    assert.equal(report.n, 4);
    assert.deepEqual(report.field_accuracy, { date: 0.75, total: 0.3333 });
    assert.equal(report.mean_field_accuracy, 0.5417);
    assert.equal(report.fields.total?.missing, 1);
    assert.equal(report.decisions, 7);
  });

  it("measures coverage and selective accuracy at the per-field thresholds", () => {
    // date keeps 0.95 (right), 0.97 (wrong), 0.99 (right); total keeps nothing (no certified threshold).
    assert.equal(report.coverage, 0.4286);
    assert.equal(report.selective_accuracy, 0.6667);
    assert.equal(report.fields.date?.coverage, 0.75);
    assert.equal(report.fields.total?.threshold, null);
    assert.equal(report.fields.total?.selective_accuracy, null);
  });

  it("reports latency percentiles of the predict calls", () => {
    const l = report.latency_us;
    assert.ok(l.p50 > 0 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max);
  });

  it("is valid JSON with the documented keys", () => {
    const parsed = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
    for (const key of ["n", "field_accuracy", "mean_field_accuracy", "coverage", "selective_accuracy", "curve", "latency_us"]) assert.ok(key in parsed, key);
  });
});

describe("sweepCurve", () => {
  it("keeps the most confident decisions first and ends at full coverage", () => {
    const curve = sweepCurve(
      [
        { confidence: 0.9, correct: true },
        { confidence: 0.8, correct: true },
        { confidence: 0.7, correct: false },
        { confidence: 0.6, correct: true },
      ],
      [0.5, 0.75, 1],
    );
    assert.deepEqual(curve, [
      { coverage: 0.5, accuracy: 1, threshold: 0.8 },
      { coverage: 0.75, accuracy: 0.6667, threshold: 0.7 },
      { coverage: 1, accuracy: 0.75, threshold: 0.6 },
    ]);
  });
});
