import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../core/errors.ts";
import type { GpuTelemetrySummary } from "../meter/gpu-telemetry.ts";
import { estimateLlmRequest, planForPoc } from "./poc-api.ts";

const base = { gpu: "h100-sxm", model: "llama-3.1-70b", precision: "fp8", inputTokens: 400, outputTokens: 20 };

test("estimateLlmRequest: modeled figures that add up", () => {
  const e = estimateLlmRequest(base);
  assert.equal(e.provenance, "modeled");
  assert.equal(e.batch, 1);
  assert.ok(e.tp >= 1 && e.gpu === "h100-sxm");
  assert.ok(Math.abs(e.latencyMs - (e.ttftMs + e.decodeMs)) < 1e-9);
  assert.ok(e.energyJ > 0 && e.gpuSeconds > 0 && e.costUsd > 0);
  // One request alone owns its tp GPUs for its whole latency.
  assert.ok(Math.abs(e.gpuSeconds - (e.tp * e.latencyMs) / 1000) < 1e-9);
  assert.ok(e.assumptions.length >= 2);
});

test("sharing the replica: more requests in flight cost more latency but less energy and money per request", () => {
  const alone = estimateLlmRequest(base);
  const shared = estimateLlmRequest({ ...base, concurrency: 32 });
  assert.ok(shared.latencyMs > alone.latencyMs);
  assert.ok(shared.energyJ < alone.energyJ / 5);
  assert.ok(shared.costUsd < alone.costUsd / 5);
  const byRate = estimateLlmRequest({ ...base, ratePerSecond: 20 });
  assert.ok(byRate.batch > 1 && byRate.assumptions.some((a) => a.includes("req/s")));
});

test("estimateLlmRequest rejects non-positive sizes and rates, and unknown ids list the valid ones", () => {
  assert.throws(() => estimateLlmRequest({ ...base, ratePerSecond: 0 }), (e: unknown) => e instanceof FrugalError && e.code === "input_invalid");
  assert.throws(() => estimateLlmRequest({ ...base, outputTokens: -1 }), (e: unknown) => e instanceof FrugalError && e.code === "input_invalid");
  assert.throws(() => estimateLlmRequest({ ...base, gpu: "tpu" }), (e: unknown) => e instanceof FrugalError && e.message.includes("h100-sxm"));
});

test("planForPoc: one row per pipeline, every figure modeled; zero LLM traffic needs no GPU", () => {
  const section = planForPoc({
    sloP95Ms: 3000,
    pipelines: [
      { name: "dense", llmRequestsPerSecond: 20, avgInputTokens: 400, avgOutputTokens: 20, model: "llama-3.1-70b", precision: "fp8" },
      { name: "frugal", llmRequestsPerSecond: 0, avgInputTokens: 400, avgOutputTokens: 20, model: "llama-3.1-70b", precision: "fp8" },
    ],
    simulationRequests: 300,
  });
  assert.equal(section.rows.length, 2);
  const dense = section.rows[0];
  assert.ok(dense !== undefined && dense.feasible);
  for (const figure of [dense.gpus, dense.p95LatencyMs, dense.kwhPer1000Requests, dense.cloudUsdPer1000Requests, dense.onPremUsdPer1000Requests, dense.modelsPerServer]) {
    assert.equal(figure.provenance, "modeled");
    assert.ok(typeof figure.value === "number" && figure.value > 0);
  }
  assert.equal(section.rows[1]?.gpus.value, 0);
  assert.equal(section.measured, undefined);
  assert.throws(
    () => planForPoc({ sloP95Ms: 3000, pipelines: [{ name: "x", llmRequestsPerSecond: -1, avgInputTokens: 1, avgOutputTokens: 1, model: "llama-3.1-8b", precision: "fp8" }] }),
    (e: unknown) => e instanceof FrugalError && e.code === "input_invalid",
  );
});

test("planForPoc: telemetry figures are measured when read, not_measured when absent", () => {
  const pipelines = [{ name: "p", llmRequestsPerSecond: 1, avgInputTokens: 100, avgOutputTokens: 10, model: "llama-3.2-1b", precision: "bf16" }];
  const read: GpuTelemetrySummary = {
    provenance: "measured",
    gpus: [],
    samples: 12,
    durationMs: 6000,
    meanUtilizationPct: 41,
    peakMemoryUsedMiB: 30000,
    meanPowerW: 250,
    energyJ: 1500,
    energySource: "counter",
    complete: true,
    notes: [],
  };
  const withGpu = planForPoc({ sloP95Ms: 2000, pipelines, telemetry: read, simulationRequests: 200 });
  assert.deepEqual(withGpu.measured?.gpuUtilizationPct.provenance, "measured");
  assert.equal(withGpu.measured?.gpuUtilizationPct.value, 41);
  assert.ok(Math.abs((withGpu.measured?.energyKwh.value ?? 0) - 1500 / 3.6e6) < 1e-12);
  const none = planForPoc({ sloP95Ms: 2000, pipelines, telemetry: { ...read, provenance: "not_measured", reason: "nvidia-smi not found on PATH", energyJ: null, meanUtilizationPct: null }, simulationRequests: 200 });
  assert.equal(none.measured?.energyKwh.provenance, "not_measured");
  assert.ok(none.notes.some((n) => n.includes("nvidia-smi not found")));
});
