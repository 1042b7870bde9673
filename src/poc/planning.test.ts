/**
 * The Planning section tells the same story as the summary: per request, not per LLM call (the frugal chain calls the LLM
 * for a fraction of its requests), with each figure that differs from the summary's namesake saying why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { Figure } from "../core/provenance.ts";
import { parseResults } from "../report/read-results.ts";
import { buildReportModel } from "../report/report-model.ts";
import { renderSummaryMarkdown } from "../report/markdown.ts";
import { pocConfigSchema } from "./config.ts";
import { planningSection } from "./planning.ts";
import type { RequestRecord, StepRecord } from "./records.ts";
import type { PlanningSection } from "../results/types.ts";

const config = pocConfigSchema.parse(
  parse(`
task: { name: t, kind: classify, dataset: { path: d.csv, text: text, label: label } }
tiers:
  compact: { kind: compact, model: m.frugal }
  big-llm: { kind: llm, model: llama-3.1-70b-instruct-turbo, modeled: { planner_model: llama-3.1-70b, gpu: h100-sxm, precision: bf16 } }
pipelines:
  - { name: dense, tiers: [big-llm] }
  - { name: frugal, tiers: [compact, big-llm] }
load: { kind: poisson, rate: 50 }
slo: { p95_ms: 1000 }
quality_target: 0.9
`),
);

/** `n` requests; the first `calls` of them called the LLM (450 tokens in, 6 out). */
function records(pipeline: string, n: number, calls: number): RequestRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const steps: StepRecord[] = i < calls ? [{ tier: "big-llm", kind: "llm", outcome: "accepted", tokens_in: 450, tokens_out: 6 }] : [];
    return { pipeline, item: `i${i}`, steps } as unknown as RequestRecord;
  });
}

const tiers = (names: string[]) => names.map((name) => ({ name, kind: name === "compact" ? "compact" : "llm", modeled: name !== "compact" }));
const figure = (row: Record<string, unknown> | undefined, key: string): number => (row?.[key] as Figure).value as number;

test("planning rows are per request: the fleet's per-call energy and cost × the LLM calls each request made", () => {
  const section = planningSection({
    config,
    outcomes: [
      { name: "dense", tiers: tiers(["big-llm"]), records: records("dense", 1000, 1000), extra: {} },
      { name: "frugal", tiers: tiers(["compact", "big-llm"]), records: records("frugal", 1000, 200), extra: {} },
    ],
    runs: new Map(),
    gpu: { provenance: "not_measured", reason: "test", gpus: [], samples: 0, durationMs: 0, meanUtilizationPct: null, peakMemoryUsedMiB: null, meanPowerW: null, energyJ: null, energySource: null, complete: true, notes: [] },
  });
  const [dense, frugal] = section.rows;
  assert.equal(figure(dense, "llm_calls_per_request"), 1);
  assert.equal(figure(frugal, "llm_calls_per_request"), 0.2);
  for (const key of ["kwhPer1000Requests", "cloudUsdPer1000Requests", "p95LatencyMs", "jPerRequest"]) assert.ok(!(key in (frugal ?? {})), `no per-call key ${key} named per request`);
  assert.ok(figure(frugal, "llm_call_p95_ms") > 0, "the one per-call figure says so in its key");
  // Dense calls the LLM on every request, frugal on a fifth: per request, frugal's fleet uses less energy and money,
  // as the summary says — per LLM call (the old table) it looked the other way round.
  assert.ok(figure(frugal, "kwh_per_1000_requests") < figure(dense, "kwh_per_1000_requests"));
  assert.ok(figure(frugal, "cloud_usd_per_1000_requests") < figure(dense, "cloud_usd_per_1000_requests"));
  assert.match((frugal?.kwh_per_1000_requests as Figure).note ?? "", /× 0\.200 LLM calls per request/);
  assert.match(section.notes?.join(" ") ?? "", /Per request, like the summary/);
});

test("the report sets each planning figure beside the summary's namesake, with both values and why they differ", () => {
  const results = parseResults(JSON.parse(readFileSync(new URL("../../test/fixtures/poc-results/demo-banking77-current.json", import.meta.url), "utf8")));
  const model = buildReportModel(results);
  const planning = model.planning;
  assert.ok(planning !== null);
  assert.deepEqual(planning.columns, ["dense", "frugal"]);
  const labels = planning.rows.map((r) => r.label);
  assert.ok(labels.includes("kWh / 1,000 requests") && labels.includes("LLM call P95, planned fleet") && labels.includes("LLM calls / request"), labels.join(" | "));
  // Every figure with a namesake in the summary either agrees within 10% or has a line with both values.
  const lines = planning.versusSummary.join("\n");
  for (const p of results.pipelines) {
    const row = ((results.planning as PlanningSection | undefined)?.rows ?? []).find((r) => r.pipeline === p.name);
    assert.ok(row !== undefined, p.name);
    const checks: Array<[string, number | null, number | null]> = [
      ["P95", figure(row, "llm_call_p95_ms"), p.metrics.latency_ms.p95],
      ["kWh / 1,000 requests", figure(row, "kwh_per_1000_requests"), p.metrics.kwh_per_1000.value],
      ["cost / 1,000 requests", figure(row, "cloud_usd_per_1000_requests"), (p.metrics.cost_per_request_usd.value ?? 0) * 1000],
    ];
    for (const [what, plan, summary] of checks) {
      if (plan === null || summary === null || Math.abs(plan - summary) <= 0.1 * Math.max(plan, summary)) continue;
      assert.match(lines, new RegExp(`${p.name}: ${what.replace(/[/]/g, "\\/")} is .* in the summary .* here`), `${p.name} ${what}: ${plan} vs ${summary}`);
    }
  }
  assert.match(renderSummaryMarkdown(model), /Beside the summary:/);
});
