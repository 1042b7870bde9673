import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../core/errors.ts";
import { DEFAULT_CALIBRATION } from "./calibration.ts";
import { findCapacity, modelsPerServer, unloadedLatencyMs } from "./capacity.ts";
import { createCatalog } from "./catalog.ts";
import { resolveDeployment } from "./deployment.ts";
import { percentiles, simulate } from "./simulate.ts";

const catalog = createCatalog();
const d8 = resolveDeployment({ catalog, gpu: "h100-sxm", model: "llama-3.1-8b", precision: "fp8", calibration: DEFAULT_CALIBRATION });
const base = { deployment: d8, replicas: 1, inputTokens: 300, outputTokens: 60, requests: 600 };

test("percentiles on a known list", () => {
  const p = percentiles(Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(p.p50, 50);
  assert.equal(p.p95, 95);
  assert.equal(p.p99, 99);
  assert.equal(p.mean, 50.5);
});

test("the simulation is deterministic for a seed and differs across seeds", () => {
  const a = simulate({ ...base, ratePerSecond: 20, seed: 7 });
  const b = simulate({ ...base, ratePerSecond: 20, seed: 7 });
  const c = simulate({ ...base, ratePerSecond: 20, seed: 8 });
  assert.deepEqual(a, b);
  assert.notEqual(a.latencyMs.p95, c.latencyMs.p95);
});

test("queueing: P95 latency and batch grow with the rate; past capacity the run is flagged unstable", () => {
  const rates = [2, 10, 40, 80];
  const sims = rates.map((ratePerSecond) => simulate({ ...base, ratePerSecond }));
  for (let i = 1; i < sims.length; i++) {
    assert.ok((sims[i]?.latencyMs.p95 ?? 0) >= (sims[i - 1]?.latencyMs.p95 ?? 0), `P95 not monotonic at ${rates[i]} req/s`);
    assert.ok((sims[i]?.meanBatch ?? 0) > (sims[i - 1]?.meanBatch ?? 0));
  }
  assert.ok(sims.every((s) => s.stable));
  const overloaded = simulate({ ...base, ratePerSecond: 2000, requests: 1500 });
  assert.equal(overloaded.stable, false);
  // A lone request on an idle replica is the floor of the latency distribution.
  const floor = unloadedLatencyMs(d8, 300, 60);
  assert.ok((sims[0]?.latencyMs.p50 ?? 0) >= floor * 0.5);
});

test("energy includes idle power; J/token falls as the load rises (the batch amortizes the weights)", () => {
  const light = simulate({ ...base, ratePerSecond: 1 });
  const busy = simulate({ ...base, ratePerSecond: 40 });
  assert.ok(light.energyJ >= light.spanSeconds * d8.hardware.idleW * 0.99);
  assert.ok(busy.energyJ / busy.outputTokens < light.energyJ / light.outputTokens);
  assert.ok(light.busyFraction < busy.busyFraction);
});

test("capacity: more load needs more replicas; an SLO below the unloaded latency is infeasible", () => {
  const common = { deployment: d8, inputTokens: 300, outputTokens: 60, sloP95Ms: 1500, requests: 600 };
  const small = findCapacity({ ...common, ratePerSecond: 5 });
  const large = findCapacity({ ...common, ratePerSecond: 400 });
  assert.equal(small.replicas, 1);
  assert.ok(large.replicas > small.replicas);
  assert.ok(large.simulation.latencyMs.p95 <= 1500);
  assert.throws(
    () => findCapacity({ ...common, ratePerSecond: 5, sloP95Ms: 5 }),
    (e: unknown) => e instanceof FrugalError && e.code === "plan_infeasible" && e.message.includes("no number of replicas"),
  );
});

test("models per server: memory-bound packing for small models, devices / tp for big ones", () => {
  const small = resolveDeployment({ catalog, gpu: "h100-sxm", model: "llama-3.2-1b", precision: "bf16", calibration: DEFAULT_CALIBRATION });
  const big = resolveDeployment({ catalog, gpu: "h100-sxm", model: "llama-3.1-70b", precision: "bf16", calibration: DEFAULT_CALIBRATION });
  assert.ok(modelsPerServer(small, 8 * 1024) >= 8 * 10);
  assert.equal(modelsPerServer(big, 8 * 1024), 8 / big.tp);
  assert.ok(modelsPerServer(small, 8 * 1024) > modelsPerServer(small, 64 * 8192));
});
