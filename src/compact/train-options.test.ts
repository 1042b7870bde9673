import { test } from "node:test";
import assert from "node:assert/strict";
import { isFrugalError } from "../core/errors.ts";
import { effectiveLearningRate, FEW_FOLDS_FROM_EXAMPLES, resolveTrainOptions } from "./train-options.ts";

test("default folds follow the model kind and the data size; an explicit value always wins", () => {
  assert.equal(resolveTrainOptions({}, "t", FEW_FOLDS_FROM_EXAMPLES).folds, 2, "hidden layer, large data: refit + 2 fold models");
  assert.equal(resolveTrainOptions({}, "t", FEW_FOLDS_FROM_EXAMPLES - 1).folds, 5, "hidden layer, small data: stronger certifying models");
  assert.equal(resolveTrainOptions({ hiddenUnits: 0 }, "t", 100_000).folds, 5, "linear: the served model is the fold average");
  assert.equal(resolveTrainOptions({ folds: 7 }, "t", 100).folds, 7);
});

test("the learning rate default depends on the model kind", () => {
  assert.equal(effectiveLearningRate(resolveTrainOptions({})), 0.05);
  assert.equal(effectiveLearningRate(resolveTrainOptions({ hiddenUnits: 0 })), 2);
  assert.equal(effectiveLearningRate(resolveTrainOptions({ learningRate: 0.3 })), 0.3);
});

test("a bad option fails with its name before any work", () => {
  for (const bad of [{ hiddenUnits: 100 }, { folds: 1 }, { maxError: 0 }]) {
    assert.throws(
      () => resolveTrainOptions(bad as never, "training options"),
      (error: unknown) => isFrugalError(error) && /training options/.test(error.message) && new RegExp(Object.keys(bad)[0] as string).test(error.message),
    );
  }
});
