/**
 * The extractor's thresholds are certified on the served model's own answers to documents nothing else was fitted on
 * (issue 9, finding 7): the calibration split. Trained on SROIE's train split with the defaults at ε = 0.05, checked on
 * the dev split it never saw.
 */
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { readLabeledDocuments } from "../../data/labeled-documents.ts";
import { evaluateExtractor, trainExtractor, valuesMatch, type TrainedExtractorResult } from "./index.ts";

const sroie = (name: string): string => new URL(`../../../examples/sroie/${name}`, import.meta.url).pathname;
const EPSILON = 0.05;

describe("extractor certificate on SROIE (train split → dev)", () => {
  const train = readLabeledDocuments(sroie("train-split.jsonl")).documents;
  const dev = readLabeledDocuments(sroie("dev.jsonl")).documents;
  let trained: TrainedExtractorResult;

  before(() => {
    trained = trainExtractor({ documents: train, maxError: EPSILON });
  });

  it("splits the documents: the calibration documents trained nothing", () => {
    const { fit, calibration } = trained.splits;
    assert.deepEqual([...fit, ...calibration].sort((a, b) => a - b), train.map((_, i) => i));
    assert.ok(calibration.length >= 0.25 * train.length, `${calibration.length} calibration documents`);
    assert.equal(trained.report.calibrationDocuments, calibration.length);
    // The served value memory holds the fitting documents' labels only.
    const company = trained.extractor.parts.fields.find((f) => f.model.spec.name === "company");
    const remembered = new Set((company?.model.memory?.entries() ?? []).map(([surface]) => surface));
    const onlyInCalibration = calibration.map((i) => train[i]?.fields.company).filter((v): v is string => typeof v === "string" && !fit.some((j) => train[j]?.fields.company === v));
    assert.ok(onlyInCalibration.length > 0 && onlyInCalibration.every((v) => !remembered.has(v)), "a company seen only in calibration is not remembered");
  });

  it("each threshold was tested on the served extractor's own answers to the calibration documents, from two starts", () => {
    for (const field of trained.report.fields) {
      const threshold = trained.extractor.thresholds[field.name] ?? Number.POSITIVE_INFINITY;
      let kept = 0;
      let errors = 0;
      for (const i of trained.splits.calibration) {
        const doc = train[i];
        const gold = doc?.fields[field.name];
        if (doc === undefined || gold == null) continue;
        const answer = trained.extractor.predict(doc.text)[field.name];
        if ((answer?.confidence ?? 0) < threshold) continue;
        kept++;
        if (!valuesMatch(answer?.value ?? null, gold)) errors++;
      }
      assert.equal(field.thresholdStarts.length, 2, `${field.name}: starts placed on the cross-validation answers`);
      assert.ok(Math.abs(kept / field.calibrationSize - field.expectedCoverage) < 1e-12, `${field.name}: coverage ${kept}/${field.calibrationSize} vs ${field.expectedCoverage}`);
      if (field.thresholdMet) {
        assert.equal(1 - errors / kept, field.heldOutSelectiveAccuracy);
        assert.ok(field.errorUpperBound <= EPSILON);
      }
    }
  });

  it("certifies company at ε = 0.05, and the kept answers on dev stay within ε", () => {
    const company = trained.report.fields.find((f) => f.name === "company");
    assert.equal(company?.thresholdMet, true, `company: starts ${company?.thresholdStarts.join(", ")}, ${company?.thresholdTests} tests`);
    assert.ok((company?.expectedCoverage ?? 0) >= 0.5, `company coverage ${company?.expectedCoverage}`);
    const report = evaluateExtractor(trained.extractor, dev);
    assert.ok((report.fields.company?.coverage ?? 0) >= 0.5, JSON.stringify(report.fields.company));
    for (const [name, f] of Object.entries(report.fields)) {
      if (f.selective_accuracy === null) continue;
      assert.ok(1 - f.selective_accuracy <= EPSILON, `${name}: dev kept error ${1 - f.selective_accuracy} at coverage ${f.coverage}`);
    }
  });
});
