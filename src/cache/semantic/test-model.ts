/**
 * A small semantic cache model for tests: trained once per process on the first pairs of the committed QQP sample
 * (examples/qqp/dev.jsonl), δ = 0.05, logistic verifier. Seconds, not minutes; not a model to serve.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readPairs } from "./pairs.ts";
import { trainSemanticCache } from "./train.ts";

let cached: string | undefined;

/** Path of the model file (in a temp folder removed at exit). */
export function testSemanticCacheModel(pairs = 4000): string {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), "frugal-semantic-model-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "pairs.jsonl");
  writeFileSync(file, readFileSync("examples/qqp/dev.jsonl", "utf8").split("\n").slice(0, pairs).join("\n"));
  const out = join(dir, "cache.model");
  trainSemanticCache({ pairs: readPairs(file), out, maxWrongHitRate: 0.05, hiddenUnits: 0, seed: 1 });
  cached = out;
  return out;
}
