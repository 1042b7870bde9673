/**
 * What `frugal poc` calls. `estimateLlmRequest` models one request of an LLM tier that has no endpoint (latency, energy,
 * GPU time, cost), `planForPoc` produces the report's planning section from the rates a PoC run observed. Plain JSON out,
 * every figure with its provenance: `modeled` from the planner, `measured` only for what GPU telemetry actually read.
 */
import { FrugalError } from "../core/errors.ts";
import { measured, modeled, notMeasured, type Figure } from "../core/provenance.ts";
import type { GpuTelemetrySummary } from "../meter/gpu-telemetry.ts";
import { resolveCalibration, type CalibrationInput } from "./calibration.ts";
import { createCatalog, type CatalogOptions } from "./catalog.ts";
import type { KvPrecision } from "./catalog-types.ts";
import { replicaMaxRate } from "./capacity.ts";
import { resolveDeployment, type Deployment } from "./deployment.ts";
import { decodeStep, kvLimitedBatch, mixedStep } from "./perf-model.ts";
import { planSchema, type PlanConfigInput } from "./plan-schema.ts";
import { runPlan, type PlanRow } from "./run-plan.ts";
import type { TcoInput } from "./tco.ts";

export interface LlmRequestEstimateOptions {
  gpu: string;
  model: string;
  precision: string;
  inputTokens: number;
  outputTokens: number;
  /** Requests in flight on the replica (the batch). Default 1, or derived from `ratePerSecond`. */
  concurrency?: number;
  /** Arrival rate; the in-flight count then follows from Little's law (C = rate × latency). */
  ratePerSecond?: number;
  kvPrecision?: KvPrecision;
  tp?: number;
  catalog?: CatalogOptions;
  calibration?: CalibrationInput;
}

export interface LlmRequestEstimate {
  latencyMs: number;
  ttftMs: number;
  decodeMs: number;
  /** Energy of the accelerators attributable to this request (its 1/batch share of the replica). */
  energyJ: number;
  /** Device-seconds attributable to this request (tp devices × latency / batch). */
  gpuSeconds: number;
  /** gpuSeconds at the catalog's cloud $/hour. */
  costUsd: number;
  batch: number;
  replicas: number;
  tp: number;
  gpu: string;
  provenance: "modeled";
  assumptions: string[];
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new FrugalError("input_invalid", `${name} must be a number > 0, got ${value}`);
}

function perRequest(d: Deployment, input: number, output: number, batch: number) {
  // The request's prompt rides along with the other batch-1 sequences' decode steps (chunked prefill).
  const prefill = mixedStep(d, { prefillTokens: input, prefillAvgPrompt: input, decodeBatch: batch - 1, decodeContext: input + output / 2 });
  const step = decodeStep(d, { batch, context: input + output / 2 });
  const decodeMs = (output - 1) * step.ms;
  const latencyMs = prefill.ms + decodeMs;
  const energyJ = (prefill.energyJ + (output - 1) * step.energyJ) / batch;
  return { ttftMs: prefill.ms, decodeMs, latencyMs, energyJ };
}

export function estimateLlmRequest(o: LlmRequestEstimateOptions): LlmRequestEstimate {
  positive("inputTokens", o.inputTokens);
  positive("outputTokens", o.outputTokens);
  if (o.concurrency !== undefined) positive("concurrency", o.concurrency);
  if (o.ratePerSecond !== undefined) positive("ratePerSecond", o.ratePerSecond);
  const catalog = createCatalog(o.catalog);
  const d = resolveDeployment({
    catalog,
    gpu: o.gpu,
    model: o.model,
    precision: o.precision,
    tp: o.tp,
    kvPrecision: o.kvPrecision,
    calibration: resolveCalibration(o.calibration),
    minKvTokens: o.inputTokens + o.outputTokens,
  });
  const maxBatch = Math.max(1, Math.min(256, kvLimitedBatch(d, o.inputTokens + o.outputTokens)));
  const assumptions = [
    `${d.model.id} ${d.precision.id} on ${d.tp} x ${d.hardware.id}, KV cache ${d.kvPrecision}`,
    "roofline step times with the planner's calibration; no network or tokenizer time",
  ];
  let batch = Math.min(maxBatch, Math.max(1, Math.round(o.concurrency ?? 1)));
  let replicas = 1;
  if (o.ratePerSecond !== undefined && o.concurrency === undefined) {
    // Little's law fixed point: in-flight = rate × latency, on as many replicas as it takes to stay under the max batch.
    // Start from the throughput bound so a huge rate does not walk up one replica per iteration.
    replicas = Math.max(1, Math.ceil(o.ratePerSecond / replicaMaxRate(d, o.inputTokens, o.outputTokens, maxBatch)));
    let rate = o.ratePerSecond / replicas;
    for (let i = 0; i < 60; i++) {
      const next = Math.max(1, rate * (perRequest(d, o.inputTokens, o.outputTokens, batch).latencyMs / 1000));
      if (next > maxBatch) {
        replicas += 1;
        rate = o.ratePerSecond / replicas;
        continue;
      }
      if (Math.abs(next - batch) < 0.01) break;
      batch = next;
    }
    assumptions.push(`${o.ratePerSecond} req/s spread over ${replicas} replica(s), mean in-flight ${batch.toFixed(1)}; mean latency, no queueing tail`);
  } else {
    assumptions.push(`${batch} request(s) in flight`);
  }
  const r = perRequest(d, o.inputTokens, o.outputTokens, batch);
  const gpuSeconds = (d.tp * r.latencyMs) / 1000 / batch;
  return {
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs,
    decodeMs: r.decodeMs,
    energyJ: r.energyJ,
    gpuSeconds,
    costUsd: (gpuSeconds * d.hardware.cloudUsdPerHour) / 3600,
    batch,
    replicas,
    tp: d.tp,
    gpu: d.hardware.id,
    provenance: "modeled",
    assumptions,
  };
}

export interface PocPlanPipeline {
  name: string;
  /** LLM calls per second this pipeline makes at the PoC's load (0 when no request reached an LLM). */
  llmRequestsPerSecond: number;
  avgInputTokens: number;
  avgOutputTokens: number;
  model: string;
  precision: string;
  gpu?: string;
}

export interface PocPlanOptions {
  pipelines: PocPlanPipeline[];
  sloP95Ms: number;
  /** Default hardware for pipelines that do not name one. */
  gpu?: string;
  tco?: TcoInput;
  catalog?: CatalogOptions;
  calibration?: CalibrationInput;
  /** GPU telemetry of the PoC run, when a GPU was measured. */
  telemetry?: GpuTelemetrySummary;
  simulationRequests?: number;
}

export interface PocPlanRow {
  pipeline: string;
  model: string;
  precision: string;
  gpu: string;
  feasible: boolean;
  reason?: string;
  tp: number | null;
  gpus: Figure;
  p95LatencyMs: Figure;
  gpuBusyFraction: Figure;
  jPerRequest: Figure;
  kwhPer1000Requests: Figure;
  modelsPerServer: Figure;
  cloudUsdPer1000Requests: Figure;
  onPremUsdPer1000Requests: Figure;
  breakEvenMonth: Figure;
}

export interface PocPlanSection {
  rows: PocPlanRow[];
  notes: string[];
  /** Present when telemetry ran: what the GPUs of the PoC run actually did. */
  measured?: { gpuUtilizationPct: Figure; energyKwh: Figure; peakMemoryMiB: Figure };
}

type RowFigures = Pick<
  PocPlanRow,
  "gpus" | "p95LatencyMs" | "gpuBusyFraction" | "jPerRequest" | "kwhPer1000Requests" | "modelsPerServer" | "cloudUsdPer1000Requests" | "onPremUsdPer1000Requests" | "breakEvenMonth"
>;

/** Every figure of a row set to the same value (rows with no LLM traffic, or that do not fit). */
function sameFigure(figure: Figure): RowFigures {
  return {
    gpus: figure,
    p95LatencyMs: figure,
    gpuBusyFraction: figure,
    jPerRequest: figure,
    kwhPer1000Requests: figure,
    modelsPerServer: figure,
    cloudUsdPer1000Requests: figure,
    onPremUsdPer1000Requests: figure,
    breakEvenMonth: figure,
  };
}

function rowFromPlan(p: PocPlanPipeline, gpu: string, r: PlanRow): PocPlanRow {
  const m = (v: number | undefined | null, note?: string) => (v === undefined || v === null ? notMeasured(note) : modeled(v, note));
  return {
    pipeline: p.name,
    model: p.model,
    precision: p.precision,
    gpu,
    feasible: r.feasible,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    tp: r.tp ?? null,
    gpus: m(r.devices),
    p95LatencyMs: m(r.latencyMs?.p95, "LLM calls only, simulated at the PoC's LLM call rate"),
    gpuBusyFraction: m(r.busyFraction),
    jPerRequest: m(r.deviceKwhPer1000Requests === undefined ? undefined : (r.deviceKwhPer1000Requests * 3.6e6) / 1000, "accelerators only"),
    kwhPer1000Requests: m(r.tco?.kwhPer1000Requests, "facility: accelerators + host, times PUE"),
    modelsPerServer: m(r.modelsPerServer),
    cloudUsdPer1000Requests: m(r.tco?.cloudUsdPer1000Requests),
    onPremUsdPer1000Requests: m(r.tco?.onPremUsdPer1000Requests),
    breakEvenMonth: r.tco === undefined ? notMeasured() : r.tco.breakEvenMonth === null ? notMeasured("cloud stays cheaper") : modeled(r.tco.breakEvenMonth),
  };
}

export function planForPoc(o: PocPlanOptions): PocPlanSection {
  positive("sloP95Ms", o.sloP95Ms);
  const rows: PocPlanRow[] = [];
  for (const p of o.pipelines) {
    if (!Number.isFinite(p.llmRequestsPerSecond) || p.llmRequestsPerSecond < 0) {
      throw new FrugalError("input_invalid", `pipeline "${p.name}": llmRequestsPerSecond must be >= 0, got ${p.llmRequestsPerSecond}`);
    }
    const gpu = p.gpu ?? o.gpu ?? "h100-sxm";
    const head = { pipeline: p.name, model: p.model, precision: p.precision, gpu, tp: null };
    if (p.llmRequestsPerSecond === 0) {
      const zero = modeled(0, "no request reached an LLM");
      rows.push({
        ...head,
        ...sameFigure(zero),
        feasible: true,
        p95LatencyMs: notMeasured("no LLM calls"),
        modelsPerServer: notMeasured(),
        breakEvenMonth: notMeasured("no LLM hardware needed"),
      });
      continue;
    }
    const input: PlanConfigInput = {
      hardware: [gpu],
      slo: { p95Ms: o.sloP95Ms },
      workloads: [
        {
          name: p.name,
          model: p.model,
          precision: p.precision as "bf16",
          load: { kind: "rate", requestsPerSecond: p.llmRequestsPerSecond },
          inputTokens: Math.max(1, Math.round(p.avgInputTokens)),
          outputTokens: Math.max(1, Math.round(p.avgOutputTokens)),
        },
      ],
      ...(o.tco === undefined ? {} : { tco: o.tco }),
      ...(o.catalog === undefined ? {} : { catalog: { hardware: o.catalog.hardware ?? [], models: o.catalog.models ?? [] } }),
      ...(o.calibration === undefined ? {} : { calibration: o.calibration }),
      simulation: { requests: o.simulationRequests ?? 1000 },
    };
    const parsed = planSchema.safeParse(input);
    if (!parsed.success) throw new FrugalError("input_invalid", `pipeline "${p.name}": ${parsed.error.issues[0]?.message ?? "invalid"}`);
    try {
      const report = runPlan(parsed.data);
      rows.push(rowFromPlan(p, gpu, report.rows[0] as PlanRow));
    } catch (error) {
      if (!(error instanceof FrugalError) || error.code !== "plan_infeasible") throw error;
      rows.push({ ...head, ...sameFigure(notMeasured("does not fit")), feasible: false, reason: error.message });
    }
  }
  const notes = [
    "Planning figures are modeled by frugal's planner (roofline + continuous-batching simulation), sized for the LLM call rate each pipeline showed in this PoC.",
  ];
  const t = o.telemetry;
  if (t === undefined) return { rows, notes };
  if (t.provenance !== "measured") {
    notes.push(`GPU telemetry: not measured (${t.reason ?? "no GPU"}).`);
    return { rows, notes, measured: { gpuUtilizationPct: notMeasured(t.reason), energyKwh: notMeasured(t.reason), peakMemoryMiB: notMeasured(t.reason) } };
  }
  const fig = (v: number | null, note?: string) => (v === null ? notMeasured(note) : measured(v, note));
  notes.push(`GPU telemetry: ${t.samples} nvidia-smi samples over ${(t.durationMs / 1000).toFixed(1)} s${t.complete ? "" : " (incomplete: " + t.notes.join("; ") + ")"}.`);
  return {
    rows,
    notes,
    measured: {
      gpuUtilizationPct: fig(t.meanUtilizationPct, "mean of nvidia-smi utilization.gpu over the run"),
      energyKwh: fig(t.energyJ === null ? null : t.energyJ / 3.6e6, t.energySource === "counter" ? "total_energy_consumption delta" : "integrated power.draw"),
      peakMemoryMiB: fig(t.peakMemoryUsedMiB),
    },
  };
}
