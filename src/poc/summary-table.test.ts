import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseResults } from "../report/read-results.ts";
import type { PocResults } from "../results/types.ts";
import { formatSummaryTable, recommendationLines } from "./summary-table.ts";

function fixture(name: string): PocResults {
  return parseResults(JSON.parse(readFileSync(new URL(`../../test/fixtures/poc-results/${name}`, import.meta.url), "utf8")));
}

test("the CLI table writes numbers in fixed notation: small latencies, costs and energies included", () => {
  const results = fixture("demo-banking77-modeled.json");
  const frugal = results.pipelines[1];
  assert.ok(frugal !== undefined);
  frugal.metrics.latency_ms = { ...frugal.metrics.latency_ms, p50: 0.487, p95: 0.004, p99: 12.6 };
  frugal.metrics.cost_per_request_usd = { ...frugal.metrics.cost_per_request_usd, value: 2.4e-9 };
  frugal.metrics.kwh_per_1000 = { ...frugal.metrics.kwh_per_1000, value: 0.0000123 };
  const text = formatSummaryTable(results);
  assert.ok(!/\de[-+]?\d/.test(text), `no exponent notation:\n${text}`);
  assert.match(text, /latency P50 .* 0\.49 ms \(mixed\)/);
  assert.match(text, /latency P95 .* <0\.01 ms \(mixed\)/);
  assert.match(text, /latency P99 .* 13 ms \(mixed\)/);
  assert.match(text, /\$0\.0000024 \(modeled\)/, "cost per 1k requests");
  assert.match(text, /0\.0000123 kWh \(modeled\)/);
});

test("the recommended point: the chain's quality as known, the compact part measured, the cost modeled", () => {
  const results = fixture("demo-banking77-modeled.json");
  // An older results file: it put the compact part's quality under `quality` as "modeled".
  const legacy = recommendationLines(results).join("\n");
  assert.match(legacy, /chain quality: not measured/);
  assert.match(legacy, /compact answers kept: 95\.3% on 87\.3% of requests \(measured\)/);
  assert.doesNotMatch(legacy, /95\.3% \(modeled\)/);
  assert.match(legacy, /cost: \$0\.0387 \/ 1k requests \(modeled: price tables × usage/);

  results.recommendation = { ...results.recommendation, basis: "assumed_llm_quality", quality: 0.961, quality_provenance: "modeled", quality_note: "assumed 0.9", compact_quality: 0.953 };
  assert.match(recommendationLines(results).join("\n"), /chain quality: 96\.1% \(modeled\) \(assumed 0\.9\)/);
  results.recommendation = { threshold: null, reason: "nothing to sweep" };
  assert.deepEqual(recommendationLines(results), ["no recommended threshold: nothing to sweep"]);
});
