/**
 * Single-point figures behind `frugal plan decode` and `frugal plan prefill`: one step at a given batch and length, on the
 * smallest tensor-parallel group that holds the weights and the KV cache (or the one asked for). A KV cache that does not
 * fit is reported (`fits: false`, with the largest batch that would); weights that fit nowhere are a plan_infeasible error.
 */
import { FrugalError, isFrugalError } from "../core/errors.ts";
import { resolveCalibration, type CalibrationInput } from "./calibration.ts";
import { createCatalog, type CatalogOptions } from "./catalog.ts";
import type { KvPrecision } from "./catalog-types.ts";
import { resolveDeployment, type Deployment } from "./deployment.ts";
import { decodeStep, kvLimitedBatch, prefillStep, type StepEstimate } from "./perf-model.ts";

export interface PointOptions {
  gpu: string;
  model: string;
  precision: string;
  batch: number;
  tp?: number;
  kvPrecision?: KvPrecision;
  catalog?: CatalogOptions;
  calibration?: CalibrationInput;
}

export interface PointCommon {
  fits: boolean;
  reason?: string;
  tp: number;
  gpus: number;
  bound: "memory" | "compute";
  powerWPerGpu: number;
  weightsGb: number;
  kvGb: number;
  /** KV-cache memory left after the weights on the chosen GPUs, GB. */
  kvAvailableGb: number;
  kvCapacityTokens: number;
  provenance: "modeled";
  assumptions: string[];
}

export interface DecodeEstimate extends PointCommon {
  stepMs: number;
  tokensPerS: number;
  jPerToken: number;
  maxBatchAtContext: number;
}

export interface PrefillEstimate extends PointCommon {
  ms: number;
  tokensPerS: number;
  jPerToken: number;
}

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new FrugalError("input_invalid", `${name} must be an integer >= 1, got ${value}`);
}

function deploy(o: PointOptions, kvTokens: number): { d: Deployment; fits: boolean } {
  const catalog = createCatalog(o.catalog);
  const base = { catalog, gpu: o.gpu, model: o.model, precision: o.precision, kvPrecision: o.kvPrecision, calibration: resolveCalibration(o.calibration) };
  const model = catalog.model(o.model);
  if (o.tp !== undefined) {
    const d = resolveDeployment({ ...base, tp: o.tp });
    if (d.kvCapacityTokens < 1) {
      throw new FrugalError("plan_infeasible", `${model.id} ${d.precision.id} weights do not fit on ${o.tp} x ${d.hardware.id}; drop --tp to let the planner choose`);
    }
    return { d, fits: d.kvCapacityTokens >= kvTokens };
  }
  try {
    return { d: resolveDeployment({ ...base, minKvTokens: kvTokens }), fits: true };
  } catch (error) {
    if (!isFrugalError(error) || error.code !== "plan_infeasible") throw error;
    // The weights fit but not this much KV cache: still answer, on the smallest group that holds the weights.
    return { d: resolveDeployment({ ...base, minKvTokens: 1 }), fits: false };
  }
}

function common(d: Deployment, s: StepEstimate, fits: boolean, kvTokens: number): PointCommon {
  const kvGb = (kvTokens * d.kvBytesPerToken) / 1e9;
  const kvAvailableGb = (d.kvCapacityTokens * d.kvBytesPerToken) / 1e9;
  const out: PointCommon = {
    fits,
    tp: d.tp,
    gpus: d.tp,
    bound: s.bound,
    powerWPerGpu: s.powerW,
    weightsGb: d.weightBytes / 1e9,
    kvGb,
    kvAvailableGb,
    kvCapacityTokens: d.kvCapacityTokens,
    provenance: "modeled",
    assumptions: [
      `${d.model.id} ${d.precision.id} on ${d.tp} x ${d.hardware.id}, KV cache ${d.kvPrecision}`,
      `calibration: ${(d.calibration.bandwidthEfficiency * 100).toFixed(0)}% of peak bandwidth, ${d.calibration.stepOverheadMs} ms per step`,
    ],
  };
  if (!fits) {
    out.reason =
      `KV cache needs ${kvGb.toFixed(1)} GB (${kvTokens} tokens), ${kvAvailableGb.toFixed(1)} GB available on ${d.tp} x ${d.hardware.id} ` +
      `after ${(d.weightBytes / 1e9).toFixed(1)} GB of weights (${d.kvCapacityTokens} tokens)`;
  }
  return out;
}

/** Validates a point's batch and length (context or prompt), and places it: the deployment and whether its KV cache fits. */
function placePoint(o: PointOptions, lengthName: "context" | "prompt", length: number): { d: Deployment; fits: boolean; kvTokens: number } {
  checkPositiveInt("batch", o.batch);
  checkPositiveInt(lengthName, length);
  const kvTokens = o.batch * length;
  const { d, fits } = deploy(o, kvTokens);
  if (length > d.model.maxContext) {
    throw new FrugalError("input_invalid", `${lengthName} ${length} exceeds ${d.model.id}'s maximum of ${d.model.maxContext} tokens`);
  }
  return { d, fits, kvTokens };
}

export function estimateDecode(o: PointOptions & { context: number }): DecodeEstimate {
  const { d, fits, kvTokens } = placePoint(o, "context", o.context);
  const s = decodeStep(d, { batch: o.batch, context: o.context });
  return {
    ...common(d, s, fits, kvTokens),
    stepMs: s.ms,
    tokensPerS: (o.batch * 1000) / s.ms,
    jPerToken: s.energyJ / o.batch,
    maxBatchAtContext: kvLimitedBatch(d, o.context),
  };
}

export function estimatePrefill(o: PointOptions & { prompt: number }): PrefillEstimate {
  const { d, fits, kvTokens } = placePoint(o, "prompt", o.prompt);
  const s = prefillStep(d, { batch: o.batch, promptTokens: o.prompt });
  return { ...common(d, s, fits, kvTokens), ms: s.ms, tokensPerS: (kvTokens * 1000) / s.ms, jPerToken: s.energyJ / kvTokens };
}
