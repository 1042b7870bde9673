import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrugalError } from "../../core/errors.ts";
import { hashPairs, readPairs, splitPairs } from "./pairs.ts";
import { trainSemanticCache } from "./train.ts";
import { loadSemanticCacheModel } from "./model-file.ts";
import { evalCache } from "../../cli/commands/eval-cache.ts";

const dir = mkdtempSync(join(tmpdir(), "frugal-semantic-"));
const pairsFile = join(dir, "pairs.jsonl");
// The first 1,600 pairs of the committed QQP sample: enough to certify δ = 0.05 (60 calibration lookups are the minimum).
writeFileSync(pairsFile, readFileSync("examples/qqp/dev.jsonl", "utf8").split("\n").slice(0, 1600).join("\n"));

test.after(() => rmSync(dir, { recursive: true, force: true }));

test("splits keep connected questions together: no question text in two splits", () => {
  const { pairs } = readPairs(pairsFile);
  const s = splitPairs(pairs, 3);
  const texts = (ps: typeof pairs): Set<string> => new Set(ps.flatMap((p) => [p.textA.trim().toLowerCase(), p.textB.trim().toLowerCase()]));
  const [a, b, c] = [texts(s.train), texts(s.calibration), texts(s.test)];
  for (const t of b) assert.ok(!a.has(t) && !c.has(t));
  for (const t of c) assert.ok(!a.has(t));
  assert.equal(s.train.length + s.calibration.length + s.test.length, pairs.length);
  assert.equal(hashPairs(splitPairs(pairs, 3).test), hashPairs(s.test), "seeded: the same split again");
});

test("train cache: the model file records δ, the certified threshold and what it was certified on; eval --holdout reads the test split", async () => {
  const out = join(dir, "cache.model");
  const result = trainSemanticCache({ pairs: readPairs(pairsFile), out, maxWrongHitRate: 0.05, hiddenUnits: 0, seed: 2 });
  const model = loadSemanticCacheModel(out);
  assert.equal(model.meta.certificate.maxWrongHitRate, 0.05);
  assert.equal(model.meta.calibration.data, "pairs.jsonl");
  assert.equal(model.meta.calibration.lookups, result.meta.splits.calibration);
  assert.ok(model.meta.certificate.certified);
  assert.equal(model.threshold, result.meta.certificate.threshold);
  // On the data it was certified on, the claim holds by construction.
  assert.ok(result.calibration.wrong_hit_rate <= 0.05);

  const json = (await evalCache({ model: out, pairs: pairsFile, holdout: true })) as unknown as Record<string, unknown>;
  assert.equal(json.lookups, result.meta.splits.test);
  for (const key of ["hits", "hit_rate_duplicates", "wrong_hits", "wrong_hit_rate"]) assert.equal(typeof json[key], "number", key);
  assert.equal(json.wrong_hit_rate, (json.wrong_hits as number) / (json.lookups as number));
});

test("bad pairs: a line without a label is refused with its line number; too few pairs to certify say so", () => {
  const bad = join(dir, "bad.jsonl");
  writeFileSync(bad, '{"text_a": "a?", "text_b": "b?", "label": 1}\n{"text_a": "c?", "text_b": "d?"}\n');
  assert.throws(() => readPairs(bad), (e: FrugalError) => e.message.startsWith(`${bad}:2:`));
  const few = join(dir, "few.jsonl");
  writeFileSync(few, readFileSync(pairsFile, "utf8").split("\n").slice(0, 300).join("\n"));
  assert.throws(() => trainSemanticCache({ pairs: readPairs(few), out: join(dir, "x.model"), maxWrongHitRate: 0.01 }), /too few pairs to certify/);
});
