import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { pocConfigSchema } from "./config.ts";
import { pocJsonSchemaText } from "./schema.ts";

const root = new URL("../../", import.meta.url);
const dir = mkdtempSync(join(tmpdir(), "frugal-poc-config-"));

const valid = `
task:
  name: t
  kind: classify
  dataset: { path: data.csv, label: category }
tiers:
  cache: { kind: cache }
  compact: { kind: compact, model: m.frugal }
  big: { kind: llm, model: gpt-4o-mini }
pipelines:
  - name: dense
    tiers: [big]
  - name: frugal
    tiers: [cache, compact, big]
load: { kind: poisson, rate: 50, items: 100 }
slo: { p95_ms: 500 }
quality_target: 0.9
`;

function load(text: string) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return loadConfigFile(pocConfigSchema, file);
}

function failsAt(text: string, keyPath: string): void {
  assert.throws(
    () => load(text),
    (e: unknown) => e instanceof FrugalError && e.code === "config_invalid" && e.message.includes(keyPath),
    `expected an error naming ${keyPath}`,
  );
}

test("the shipped example configs are valid", () => {
  for (const example of ["examples/banking77/poc.yaml", "examples/sroie/poc.yaml"]) {
    const config = loadConfigFile(pocConfigSchema, new URL(example, root).pathname);
    assert.ok(config.pipelines.length >= 2, example);
  }
});

test("defaults are filled in: load, escalation, llm retries", () => {
  const config = load(valid);
  assert.equal(config.load.warmup, 0);
  assert.equal(config.load.order, "shuffle");
  assert.equal(config.pipelines[1]?.escalation.fallback_on_error, true);
  const big = config.tiers.big;
  assert.ok(big?.kind === "llm" && big.max_retries === 2 && big.endpoint === undefined);
  assert.equal(config.failure_limit, 0.05);
  assert.equal(config.load.repeat, undefined, "no replay unless asked");
  const zipf = load(valid.replace("items: 100 }", "repeat: { kind: zipf, requests: 400 } }"));
  assert.deepEqual(zipf.load.repeat, { kind: "zipf", exponent: 1.1, requests: 400 });
});

test("an invalid config gets one error naming the key path", () => {
  failsAt(valid.replace("tiers: [cache, compact, big]", "tiers: [cache, compactt, big]"), "pipelines[1].tiers[1]");
  failsAt(valid.replace("rate: 50", "rate: -1"), "load.rate");
  failsAt(valid.replace("items: 100", "items: 100, duration_s: 10"), "load.duration_s");
  failsAt(valid.replace("kind: poisson", "kind: bursty"), "load.kind");
  failsAt(valid.replace("quality_target: 0.9", "quality_target: 2"), "quality_target");
  failsAt(valid.replace("{ kind: compact, model: m.frugal }", "{ kind: compact }"), "tiers.compact");
  failsAt(valid.replace("kind: classify", "kind: classify\n  metric: field_exact_match"), "task.metric");
  failsAt(valid.replace("{ kind: llm, model: gpt-4o-mini }", "{ kind: llm, model: gpt-4o-mini, temprature: 0 }"), "tiers.big");
  failsAt(`${valid}extra_key: 1\n`, "extra_key");
  failsAt(`${valid}failure_limit: 1.5\n`, "failure_limit");
  failsAt(valid.replace("items: 100 }", "items: 100, repeat: { kind: zipf, requests: 400 } }"), "load.repeat.requests");
  failsAt(valid.replace("items: 100 }", "repeat: { kind: zipf, exponent: 0 } }"), "load.repeat.exponent");
  failsAt(valid.replace("  - name: frugal\n    tiers: [cache, compact, big]", "  - name: frugal\n    tiers: [cache, compact, big]\n    escalation:\n      rules: [{ min_chars: 100, route: nowhere }]"), "pipelines[1].escalation.rules[0].route");
  failsAt(valid.replace("  - name: frugal\n    tiers: [cache, compact, big]", "  - name: frugal\n    tiers: [cache, compact, big]\n    escalation:\n      rules: [{ pattern: '(', route: big }]"), "pattern");
});

test("schemas/poc.schema.json is in sync with the zod schema (regenerate: node --import tsx scripts/write-schemas.ts)", () => {
  const committed = readFileSync(new URL("schemas/poc.schema.json", root), "utf8");
  assert.equal(committed, pocJsonSchemaText());
  const schema = JSON.parse(committed) as { properties: Record<string, unknown> };
  for (const key of ["task", "tiers", "pipelines", "load", "slo", "quality_target", "failure_limit", "prices", "energy"]) assert.ok(key in schema.properties, key);
});
