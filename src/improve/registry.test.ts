import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifierToContents } from "../compact/classifier-file.ts";
import { trainClassifier } from "../compact/train-classifier.ts";
import { openRegistry, type RegisterInput } from "./registry.ts";

const TEXTS = ["card arrive", "card late", "where card", "pin blocked", "pin locked", "unlock pin", "rate euro", "exchange rate", "rate dollar"];

function input(): RegisterInput {
  const examples = Array.from({ length: 90 }, (_, i) => ({ line: i + 2, text: `${TEXTS[i % 9]} ${i}`, label: ["card", "pin", "rate"][Math.floor((i % 9) / 3)]! }));
  const trained = trainClassifier({ examples, dataFile: "test", folds: 2 });
  return { contents: classifierToContents(trained.parts), source: "test", examples: { llm: 90 }, certificate: { threshold: 0.5, certified: true, maxError: 0.1, confidenceLevel: 0.95, coverage: 0.8 } };
}

test("registry: versions count up, one candidate at a time, promote and rollback walk the history, a replaced file is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-registry-"));
  try {
    const registry = openRegistry(dir);
    assert.deepEqual(registry.read("intents"), { task: "intents", current: null, previous: [], versions: [] });
    assert.throws(() => registry.promote("intents"), /no candidate to promote/);
    const model = input();
    assert.equal(registry.register("intents", model).version, "v1");
    assert.equal(registry.register("intents", model).version, "v2");
    assert.deepEqual(registry.read("intents").versions.map((v) => v.status), ["retired", "candidate"]);
    assert.equal(registry.load("intents", "v2").labels.length, 3);

    assert.deepEqual(registry.promote("intents"), { promoted: "v2", previous: null });
    assert.throws(() => registry.promote("intents", "v2"), /already the current model/);
    assert.deepEqual(registry.promote("intents", "v1"), { promoted: "v1", previous: "v2" });
    assert.deepEqual(registry.rollback("intents"), { restored: "v2", retired: "v1" });
    assert.deepEqual(registry.rollback("intents"), { restored: null, retired: "v2" });
    assert.throws(() => registry.rollback("intents"), /nothing to roll back/);
    assert.throws(() => registry.load("intents", "v9"), /no model version v9/);
    assert.throws(() => registry.read("../etc"), /cannot name a registry folder/);

    appendFileSync(join(registry.dir, "intents", "v1.frugal"), "x");
    assert.throws(() => registry.load("intents", "v1"), /sha256 differs/);
    // A lock left by a writer that died is taken over once stale; a fresh one makes a writer wait, then fail.
    writeFileSync(join(registry.dir, "intents", "index.lock"), "");
    assert.throws(() => registry.register("intents", model), /locked by another frugal process/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(registry.dir, "intents", "index.lock"), old, old);
    assert.equal(registry.register("intents", model).version, "v3");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
