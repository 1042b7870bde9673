import { test } from "node:test";
import assert from "node:assert/strict";
import { readLabeledTexts } from "../data/labeled-texts.ts";
import { FrugalError } from "../core/errors.ts";
import { decodeModelFile, encodeModelFile } from "./model-file.ts";
import { classifierFromContents, classifierToContents } from "./classifier-file.ts";
import { trainClassifier } from "./train-classifier.ts";
import { certifyThreshold } from "./threshold.ts";
import { trainClassifierParallel } from "./train-parallel.ts";
import { evaluateClassifier } from "./evaluate.ts";
import { trainClassifierFile } from "./train-from-file.ts";

// A 12-intent slice of BANKING77 keeps this under a few seconds while still being a real, noisy intent task.
const INTENTS = new Set(["card_arrival", "card_linking", "exchange_rate", "lost_or_stolen_card", "pending_transfer", "top_up_failed", "cash_withdrawal_charge", "change_pin", "declined_card_payment", "Refund_not_showing_up", "terminate_account", "verify_my_identity"]);
const slice = (file: string) => readLabeledTexts(file).examples.filter((e) => INTENTS.has(e.label));
const train = slice("examples/banking77/train.csv");
const testSet = slice("examples/banking77/test.csv");
// ε = 0.05: with ~240 calibration examples a 2% bound is out of reach (183 kept answers without one error), 5% is not.
const EPSILON = 0.05;
const trained = trainClassifier({ examples: train, dataFile: "banking77-slice", maxEpochs: 15, maxError: EPSILON });

test("trains on a BANKING77 slice: accurate on its test slice, int8 agrees with float, threshold metadata is coherent", () => {
  const { classifier, floatClassifier, threshold } = trained;
  assert.equal(classifier.weightsDtype, "int8");
  assert.deepEqual([...classifier.labels], [...INTENTS].sort());
  const int8 = evaluateClassifier(classifier, testSet, { warmup: 0 });
  const float = evaluateClassifier(floatClassifier, testSet, { warmup: 0 });
  assert.ok(int8.accuracy >= 0.9, `int8 accuracy ${int8.accuracy}`);
  assert.ok(Math.abs(int8.accuracy - float.accuracy) <= 0.01, `int8 ${int8.accuracy} vs float ${float.accuracy}`);
  let agree = 0;
  for (const e of testSet) if (classifier.predict(e.text).label === floatClassifier.predict(e.text).label) agree++;
  assert.ok(agree / testSet.length >= 0.99, `agreement ${agree / testSet.length}`);
  const meta = classifier.meta;
  const { train: t, validation: v, calibration: c } = meta.training.splits;
  assert.equal(t + v + c, train.length);
  assert.equal(meta.training.calibration, "holdout");
  assert.equal(meta.threshold.calibrationSize, c);
  if (threshold.certified) {
    assert.equal(classifier.threshold, threshold.threshold);
    assert.ok(threshold.errorUpperBound <= EPSILON + 1e-12);
  } else assert.equal(classifier.threshold, Number.POSITIVE_INFINITY);
  const p = classifier.predict("my card still has not arrived");
  assert.equal(p.label, "card_arrival");
  assert.ok(p.confidence > 0 && p.confidence <= 1);
  const probs = classifier.probabilities("my card still has not arrived");
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.ok(Math.abs(Math.max(...probs) - p.confidence) < 1e-12);
});

test("the certificate is about the served model: its own scores on a calibration split it never trained on, and it holds on BANKING77 test", () => {
  const { classifier, splits, threshold } = trained;
  // Three disjoint splits covering the data; the served model's weights and feature space come from `train` alone.
  const all = [...splits.train, ...splits.validation, ...splits.calibration].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: train.length }, (_, i) => i));
  assert.ok(splits.calibration.length >= 0.1 * train.length, `calibration split of ${splits.calibration.length}`);
  // Scoring the calibration split with the served int8 model as it answers requests (predict, stored temperature)
  // reproduces the certified threshold exactly: the test ran on exactly what serves.
  const scoresOf = (rows: Int32Array) => {
    const items = Array.from(rows, (i) => train[i] as { text: string; label: string });
    const predictions = items.map((e) => classifier.predict(e.text));
    return { confidences: Float64Array.from(predictions, (p) => p.confidence), correct: Uint8Array.from(predictions, (p, i) => (p.label === items[i]?.label ? 1 : 0)) };
  };
  const again = certifyThreshold({ calibration: scoresOf(splits.calibration), validation: scoresOf(splits.validation), maxError: EPSILON, confidenceLevel: 0.95 });
  assert.equal(threshold.certified, true, "a 12-intent slice certifies a 5% bound");
  assert.equal(again.threshold, classifier.threshold);
  assert.equal(again.kept, threshold.kept);
  assert.equal(again.errors, threshold.errors);
  // The real held-out check: on the official test split (never seen in training), the kept answers' error is ≤ ε.
  const report = evaluateClassifier(classifier, testSet, { warmup: 0 });
  const keptTest = Math.round(report.coverage * report.n);
  assert.ok(keptTest >= 0.5 * report.n, `test coverage ${report.coverage}`);
  assert.ok((report.error_at_threshold ?? 1) <= EPSILON, `test kept error ${report.error_at_threshold} at threshold ${classifier.threshold} (ε ${EPSILON}, ${keptTest} kept)`);
});

test("model file round trip: same labels, threshold and bit-identical predictions", () => {
  const bytes = encodeModelFile(classifierToContents(trained.parts));
  assert.ok(bytes.byteLength < 10_000_000);
  const loaded = classifierFromContents(decodeModelFile(bytes, "slice.frugal", "classifier"), "slice.frugal");
  assert.deepEqual([...loaded.labels], [...trained.classifier.labels]);
  assert.equal(loaded.threshold, trained.classifier.threshold);
  assert.equal(loaded.temperature, trained.classifier.temperature);
  for (const e of testSet.slice(0, 100)) assert.deepEqual(loaded.predict(e.text), trained.classifier.predict(e.text));
  const floatLoaded = classifierFromContents(decodeModelFile(encodeModelFile(classifierToContents(trained.floatParts)), "f.frugal"), "f.frugal");
  assert.equal(floatLoaded.weightsDtype, "float32");
});

test("a file with a valid checksum but a broken header is refused with the file name", () => {
  const contents = classifierToContents(trained.parts);
  const broken = { ...contents, meta: { ...contents.meta, labels: ["only-one"] } };
  assert.throws(
    () => classifierFromContents(decodeModelFile(encodeModelFile(broken), "bad.frugal"), "bad.frugal"),
    (e: unknown) => e instanceof FrugalError && e.code === "model_file_invalid" && e.message.includes("bad.frugal"),
  );
  const noWeights = { ...contents, tensors: { ...contents.tensors } };
  delete noWeights.tensors.weights;
  assert.throws(() => classifierFromContents(noWeights, "w.frugal"), (e: unknown) => e instanceof FrugalError && e.message.includes("weights"));
});

test("a label only the evaluation data has counts as an error and does not crash", () => {
  const withUnknown = [...testSet.slice(0, 20), { text: "how do I open a second account for my kid", label: "open_child_account" }];
  const report = evaluateClassifier(trained.classifier, withUnknown, { warmup: 0 });
  assert.deepEqual(report.unknown_labels, ["open_child_account"]);
  assert.ok(report.accuracy <= 20 / 21);
  assert.equal(report.n, 21);
});

test("training is reproducible, and worker threads give the very same model as inline folds", async () => {
  const small = train.filter((_, i) => i % 3 === 0);
  const a = trainClassifier({ examples: small, maxEpochs: 4, seed: 5 });
  const b = await trainClassifierParallel({ examples: small, maxEpochs: 4, seed: 5, threads: 2 });
  assert.deepEqual(a.parts.layers, b.parts.layers);
  assert.equal(a.parts.threshold, b.parts.threshold);
  assert.equal(a.parts.temperature, b.parts.temperature);
  const c = trainClassifier({ examples: small, maxEpochs: 4, seed: 6 });
  assert.notDeepEqual(a.parts.layers, c.parts.layers);
});

test("a single-class label column is refused, naming the file and the column", () => {
  assert.throws(
    () => trainClassifier({ examples: [{ text: "a", label: "x" }, { text: "b", label: "x" }], dataFile: "one.csv", labelColumn: "intent" }),
    (e: unknown) => e instanceof FrugalError && e.message.includes("one.csv") && e.message.includes('"intent"') && e.message.includes("single class"),
  );
});

test("malformed training files fail before training, naming the file and the row or column", async () => {
  const dir = "test/fixtures/compact";
  const cases: Array<[Parameters<typeof trainClassifierFile>[0], string[]]> = [
    [{ data: `${dir}/empty.csv`, out: "/nonexistent/x" }, ["empty.csv", "empty"]],
    [{ data: `${dir}/wrong-columns.csv`, out: "/nonexistent/x" }, ["wrong-columns.csv", '"text"', "utterance"]],
    [{ data: `${dir}/wrong-columns.csv`, textCol: "utterance", out: "/nonexistent/x" }, ["wrong-columns.csv", '"label"', "--label-col"]],
    [{ data: `${dir}/single-class.csv`, out: "/nonexistent/x" }, ["single-class.csv", "single class"]],
    [{ data: `${dir}/latin1.csv`, out: "/nonexistent/x" }, ["latin1.csv", "UTF-8"]],
    [{ data: `${dir}/empty-text.jsonl`, out: "/nonexistent/x" }, ["empty-text.jsonl:3", "empty text"]],
    [{ data: "examples/banking77/test.csv", maxError: 2, out: "/nonexistent/x" }, ["maxError"]],
  ];
  for (const [options, fragments] of cases) {
    await assert.rejects(
      () => trainClassifierFile(options),
      (e: unknown) => e instanceof FrugalError && e.code !== "internal" && fragments.every((f) => e.message.includes(f)),
      `${options.data}: expected ${fragments.join(", ")}`,
    );
  }
});
