import { test } from "node:test";
import assert from "node:assert/strict";
import { isFrugalError } from "../core/errors.ts";
import { effectiveLearningRate, resolveTrainOptions } from "./train-options.ts";

test("held-out splits default to 5% validation and 15% calibration, and must leave most of the data to train on", () => {
  const defaults = resolveTrainOptions({});
  assert.equal(defaults.validationFraction, 0.05);
  assert.equal(defaults.calibrationFraction, 0.15);
  assert.equal(defaults.folds, 5, "linear members averaged");
  assert.equal(defaults.members, 2, "two hidden-layer members of 96 units");
  assert.equal(resolveTrainOptions({ hiddenUnits: 48 }).members, 1, "48 units do not split into two multiples of 16");
  assert.equal(resolveTrainOptions({ hiddenUnits: 0 }).members, 1);
  assert.equal(resolveTrainOptions({ calibrationFraction: 0.3 }).calibrationFraction, 0.3);
  assert.throws(
    () => resolveTrainOptions({ validationFraction: 0.3, calibrationFraction: 0.4 }, "training options"),
    (error: unknown) => isFrugalError(error) && /calibrationFraction/.test(error.message),
  );
});

test("the learning rate default depends on the model kind", () => {
  assert.equal(effectiveLearningRate(resolveTrainOptions({})), 0.05);
  assert.equal(effectiveLearningRate(resolveTrainOptions({ hiddenUnits: 0 })), 2);
  assert.equal(effectiveLearningRate(resolveTrainOptions({ learningRate: 0.3 })), 0.3);
});

test("a bad option fails with its name before any work", () => {
  for (const bad of [{ hiddenUnits: 100 }, { folds: 1 }, { maxError: 0 }, { calibrationFraction: 0 }, { hiddenUnits: 48, members: 2 }]) {
    assert.throws(
      () => resolveTrainOptions(bad as never, "training options"),
      (error: unknown) => isFrugalError(error) && /training options/.test(error.message) && new RegExp(Object.keys(bad)[0] as string).test(error.message),
    );
  }
});
