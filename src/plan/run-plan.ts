/**
 * `frugal plan <plan.yaml>`: every workload on every listed hardware: the smallest replica that fits, the replicas needed
 * at the P95 target (simulated), energy, models per server and cloud vs on-premise cost. A workload that cannot run on one
 * hardware is a row with the reason (the comparison is the point); when it can run nowhere the plan fails with every reason.
 */
import { FrugalError, isFrugalError } from "../core/errors.ts";
import { resolveCalibration, type Calibration } from "./calibration.ts";
import { findCapacity, modelsPerServer } from "./capacity.ts";
import { createCatalog } from "./catalog.ts";
import { resolveDeployment } from "./deployment.ts";
import type { PlanConfig, WorkloadSpec } from "./plan-schema.ts";
import { computeTco, type TcoResult } from "./tco.ts";

export interface PlanRow {
  workload: string;
  model: string;
  precision: string;
  kvPrecision: string;
  hardware: string;
  feasible: boolean;
  /** Why the row is infeasible; absent when feasible. */
  reason?: string;
  /** Rate the fleet is sized for (the peak for daily loads) and the mean rate costs are spread over. */
  sizedRatePerSecond: number;
  meanRatePerSecond: number;
  sloP95Ms: number;
  tp?: number;
  replicas?: number;
  devices?: number;
  servers?: number;
  latencyMs?: { p50: number; p95: number; p99: number };
  ttftP95Ms?: number;
  tpotP50Ms?: number;
  meanBatch?: number;
  maxBatch?: number;
  busyFraction?: number;
  outputTokensPerSecondPerDevice?: number;
  jPerOutputToken?: number;
  /** Accelerator energy only (what NVML would read); the TCO's figure adds host power and PUE. */
  deviceKwhPer1000Requests?: number;
  avgPowerWPerDevice?: number;
  modelsPerServer?: number;
  tco?: TcoResult;
  provenance: "modeled";
}

export interface PlanReport {
  rows: PlanRow[];
  notes: string[];
  calibration: Calibration;
}

export interface RunPlanOptions {
  onProgress?: (done: number, total: number) => void;
}

function rates(w: WorkloadSpec): { sized: number; mean: number } {
  if (w.load.kind === "rate") return { sized: w.load.requestsPerSecond, mean: w.load.requestsPerSecond };
  const mean = w.load.requestsPerDay / 86400;
  return { sized: mean * w.load.peakToAverage, mean };
}

export function runPlan(config: PlanConfig, options: RunPlanOptions = {}): PlanReport {
  const catalog = createCatalog({ hardware: config.catalog.hardware, models: config.catalog.models });
  const calibration = resolveCalibration(config.calibration);
  // Unknown ids are config mistakes, not infeasible rows: fail before any simulation.
  config.hardware.forEach((id) => catalog.hardware(id));
  config.workloads.forEach((w) => catalog.model(w.model));
  const dep = config.deployment;
  const rows: PlanRow[] = [];
  const total = config.workloads.length * config.hardware.length;
  for (const w of config.workloads) {
    for (const hardwareId of config.hardware) {
      rows.push(planOne(config, w, hardwareId, catalog, calibration, dep));
      options.onProgress?.(rows.length, total);
    }
  }
  for (const w of config.workloads) {
    const mine = rows.filter((r) => r.workload === w.name);
    if (mine.every((r) => !r.feasible)) {
      throw new FrugalError("plan_infeasible", `workload "${w.name}" fits on none of the listed hardware: ${mine.map((r) => `${r.hardware}: ${r.reason}`).join(" | ")}`);
    }
  }
  const notes = [
    "All figures are modeled (roofline step times + discrete-event simulation of continuous batching); none is measured.",
    "Fleet runs 24/7 sized for the peak rate; costs and energy are spread over the mean rate.",
    "Models per server counts memory only; co-located instances also share memory bandwidth.",
  ];
  const overridden = catalog.overridden();
  if (overridden.length > 0) notes.push(`Catalog rows replaced by plan.yaml: ${overridden.join(", ")}.`);
  return { rows, notes, calibration };
}

function planOne(
  config: PlanConfig,
  w: WorkloadSpec,
  hardwareId: string,
  catalog: ReturnType<typeof createCatalog>,
  calibration: Calibration,
  dep: PlanConfig["deployment"],
): PlanRow {
  const { sized, mean } = rates(w);
  const sloP95Ms = w.sloP95Ms ?? config.slo.p95Ms;
  const base: PlanRow = {
    workload: w.name,
    model: w.model,
    precision: w.precision,
    kvPrecision: w.kvPrecision,
    hardware: hardwareId,
    feasible: false,
    sizedRatePerSecond: sized,
    meanRatePerSecond: mean,
    sloP95Ms,
    provenance: "modeled",
  };
  try {
    const deployment = resolveDeployment({
      catalog,
      gpu: hardwareId,
      model: w.model,
      precision: w.precision,
      kvPrecision: w.kvPrecision,
      calibration,
      maxTp: dep.maxTensorParallel,
      memoryUtilization: dep.memoryUtilization,
      runtimeReserveGb: dep.runtimeReserveGb,
      minKvTokens: w.inputTokens + w.outputTokens,
    });
    const cap = findCapacity({
      deployment,
      ratePerSecond: sized,
      inputTokens: w.inputTokens,
      outputTokens: w.outputTokens,
      sloP95Ms,
      maxBatch: dep.maxBatch,
      maxBatchedTokens: dep.maxBatchedTokens,
      maxReplicas: dep.maxReplicas,
      arrival: w.load.arrival,
      requests: config.simulation.requests,
      lengthSpread: config.simulation.lengthSpread,
      seed: config.simulation.seed,
    });
    const sim = cap.simulation;
    const hw = deployment.hardware;
    const peakPower = sim.avgPowerWPerDevice;
    // Off-peak hours: the same fleet at a lower load; dynamic power scales with the load, idle power does not.
    const avgPower = hw.idleW + (peakPower - hw.idleW) * (mean / sized);
    const tco = computeTco({
      devices: cap.devices,
      cloudUsdPerDeviceHour: hw.cloudUsdPerHour,
      capexUsdPerDevice: hw.capexUsd,
      avgPowerWPerDevice: avgPower,
      requestsPerSecond: mean,
      options: config.tco,
    });
    // Per-request energy on the same basis as the TCO: the fleet's mean power over the mean rate (idle time included).
    const jPerRequest = (avgPower * cap.devices) / mean;
    const jPerToken = jPerRequest / (sim.outputTokens / sim.requests);
    return {
      ...base,
      feasible: true,
      tp: deployment.tp,
      replicas: cap.replicas,
      devices: cap.devices,
      servers: Math.ceil(cap.devices / hw.devicesPerServer),
      latencyMs: { p50: sim.latencyMs.p50, p95: sim.latencyMs.p95, p99: sim.latencyMs.p99 },
      ttftP95Ms: sim.ttftMs.p95,
      tpotP50Ms: sim.tpotMs.p50,
      meanBatch: sim.meanBatch,
      maxBatch: sim.maxBatch,
      busyFraction: sim.busyFraction,
      outputTokensPerSecondPerDevice: sim.outputTokens / sim.spanSeconds / cap.devices,
      jPerOutputToken: jPerToken,
      deviceKwhPer1000Requests: (jPerRequest * 1000) / 3.6e6,
      avgPowerWPerDevice: avgPower,
      modelsPerServer: modelsPerServer(deployment, Math.ceil(sim.meanBatch) * (w.inputTokens + w.outputTokens), {
        memoryUtilization: dep.memoryUtilization,
        runtimeReserveGb: dep.runtimeReserveGb,
      }),
      tco,
    };
  } catch (error) {
    if (isFrugalError(error) && error.code === "plan_infeasible") return { ...base, reason: error.message };
    throw error;
  }
}
