import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { createCatalog } from "./catalog.ts";
import { planJsonSchema, planSchema } from "./plan-schema.ts";
import { runPlan } from "./run-plan.ts";

function write(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "frugal-plan-")), "plan.yaml");
  writeFileSync(file, yaml);
  return file;
}

const WORKLOAD = "    model: llama-3.1-8b\n    precision: fp8\n    inputTokens: 300\n    outputTokens: 30\n";

test("the example plan loads and plans every workload on every hardware", () => {
  const config = loadConfigFile(planSchema, "examples/plan/plan.yaml");
  const report = runPlan({ ...config, simulation: { ...config.simulation, requests: 500 } });
  assert.equal(report.rows.length, config.workloads.length * config.hardware.length);
  for (const row of report.rows.filter((r) => r.feasible)) {
    assert.equal(row.provenance, "modeled");
    assert.ok((row.devices ?? 0) >= 1 && (row.latencyMs?.p95 ?? Infinity) <= row.sloP95Ms);
    assert.ok((row.tco?.cloudUsdPer1000Requests ?? 0) > 0 && (row.deviceKwhPer1000Requests ?? 0) > 0);
  }
  // The user row replaced the built-in L4 and the report says so.
  assert.ok(report.notes.some((n) => n.includes("l4")));
  // Daily loads are sized for the peak: 2M/day at peak 2x = 46.3 req/s.
  const dense = report.rows.find((r) => r.workload === "intents-dense-70b");
  assert.ok(dense !== undefined && Math.abs(dense.sizedRatePerSecond - (2_000_000 / 86_400) * 2) < 1e-9);
});

test("zero or negative rates are rejected with the key path", () => {
  for (const rate of ["0", "-3"]) {
    const file = write(`slo: { p95Ms: 2000 }\nworkloads:\n  - name: w\n${WORKLOAD}    load: { kind: rate, requestsPerSecond: ${rate} }\n`);
    assert.throws(
      () => loadConfigFile(planSchema, file),
      (e: unknown) => e instanceof FrugalError && e.code === "config_invalid" && e.message.includes("workloads[0].load.requestsPerSecond") && e.message.includes("> 0"),
    );
  }
  const wrongKind = write(`slo: { p95Ms: 2000 }\nworkloads:\n  - name: w\n${WORKLOAD}    load: { kind: weekly, requests: 3 }\n`);
  assert.throws(() => loadConfigFile(planSchema, wrongKind), (e: unknown) => e instanceof FrugalError && e.message.includes("workloads[0].load.kind"));
});

test("an unknown model or GPU id fails before any simulation, listing the valid ids", () => {
  const badModel = planSchema.parse({ slo: { p95Ms: 2000 }, workloads: [{ name: "w", model: "gpt-5", inputTokens: 10, outputTokens: 10, load: { kind: "rate", requestsPerSecond: 1 } }] });
  assert.throws(() => runPlan(badModel), (e: unknown) => e instanceof FrugalError && e.code === "input_invalid" && e.message.includes('unknown model "gpt-5"') && e.message.includes("llama-3.1-8b"));
  const badGpu = { ...badModel, hardware: ["b200"], workloads: [{ ...badModel.workloads[0], model: "llama-3.1-8b" }] } as typeof badModel;
  assert.throws(() => runPlan(badGpu), (e: unknown) => e instanceof FrugalError && e.message.includes('unknown GPU "b200"') && e.message.includes("h100-sxm, h200"));
});

test("a workload that fits nowhere fails with what would fit; one that fits somewhere is a row with its reason", () => {
  const tooBig = planSchema.parse({
    hardware: ["l4"],
    slo: { p95Ms: 60000 },
    deployment: { maxTensorParallel: 2 },
    workloads: [{ name: "big", model: "llama-3.1-70b", precision: "bf16", inputTokens: 100, outputTokens: 10, load: { kind: "rate", requestsPerSecond: 1 } }],
  });
  assert.throws(() => runPlan(tooBig), (e: unknown) => e instanceof FrugalError && e.code === "plan_infeasible" && e.message.includes("What would fit"));
  const mixed = runPlan({ ...tooBig, hardware: ["l4", "h200"], simulation: { ...tooBig.simulation, requests: 300 } });
  assert.equal(mixed.rows.find((r) => r.hardware === "l4")?.feasible, false);
  assert.match(mixed.rows.find((r) => r.hardware === "l4")?.reason ?? "", /does not fit on 2 x l4/);
  assert.equal(mixed.rows.find((r) => r.hardware === "h200")?.feasible, true);
});

test("user catalog rows are validated with their key path, and extend the catalog", () => {
  assert.throws(
    () => createCatalog({ hardware: [{ id: "x1", name: "X", kind: "gpu", memoryGb: -1 } as never] }),
    (e: unknown) => e instanceof FrugalError && e.code === "config_invalid" && e.message.startsWith("catalog.hardware[0].memoryGb"),
  );
  const catalog = createCatalog({
    models: [{ id: "tiny-moe", name: "Tiny MoE", layers: 4, hidden: 512, heads: 8, kvHeads: 8, intermediate: 1024, vocab: 1000, tiedEmbeddings: false, experts: 4, topK: 1, maxContext: 2048, source: "test fixture", date: "2025-01" }],
  });
  assert.ok(catalog.modelIds().includes("tiny-moe") && catalog.modelIds().includes("llama-3.1-8b"));
});

test("the plan JSON Schema is exportable and describes workloads and the load union", () => {
  const schema = JSON.stringify(planJsonSchema());
  for (const key of ["workloads", "requestsPerDay", "requestsPerSecond", "amortizationYears", "$id"]) assert.ok(schema.includes(key), key);
});
