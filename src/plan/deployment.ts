/**
 * Where a model runs: one replica = a tensor-parallel group of `tp` devices holding the weights, the rest of their memory
 * given to the KV cache. The smallest group that fits is chosen (more devices per replica only add all-reduce time when
 * the load could instead be spread over more replicas). When nothing fits, the error says what would.
 */
import { FrugalError } from "../core/errors.ts";
import type { Calibration } from "./calibration.ts";
import type { Catalog } from "./catalog.ts";
import { KV_BYTES } from "./catalog-precisions.ts";
import { PRECISION_IDS, type HardwareSpec, type KvPrecision, type ModelSpec, type PrecisionSpec } from "./catalog-types.ts";
import { kvBytesPerToken, weightBytes } from "./model-math.ts";

export interface Deployment {
  hardware: HardwareSpec;
  model: ModelSpec;
  precision: PrecisionSpec;
  kvPrecision: KvPrecision;
  kvBytesPerToken: number;
  tp: number;
  weightBytes: number;
  /** KV-cache tokens the whole replica can hold. */
  kvCapacityTokens: number;
  calibration: Calibration;
}

export interface DeploymentOptions {
  catalog: Catalog;
  gpu: string;
  model: string;
  precision: string;
  calibration: Calibration;
  /** Force this tensor-parallel degree instead of the smallest that fits. */
  tp?: number;
  /** Largest tensor-parallel group allowed (default: the devices of one server). */
  maxTp?: number;
  kvPrecision?: KvPrecision;
  /** Share of device memory the engine may use (vLLM's gpu_memory_utilization). */
  memoryUtilization?: number;
  /** Per-device memory kept for activations, CUDA graphs and the runtime. */
  runtimeReserveGb?: number;
  /** The replica must hold at least this many KV tokens (one full request), else it does not "fit". */
  minKvTokens?: number;
}

const DEFAULT_MEMORY_UTILIZATION = 0.9;
const DEFAULT_RESERVE_GB = 2;

function kvCapacity(hw: HardwareSpec, weights: number, tp: number, perToken: number, memUtil: number, reserveGb: number): number {
  const usablePerDevice = hw.memoryGb * 1e9 * memUtil - reserveGb * 1e9 - weights / tp;
  return usablePerDevice <= 0 ? 0 : Math.floor((usablePerDevice * tp) / perToken);
}

function tpCandidates(model: ModelSpec, max: number): number[] {
  const out: number[] = [];
  // Attention heads are split across the group, so the degree must divide the head count (vLLM's rule).
  for (let tp = 1; tp <= max; tp *= 2) if (model.heads % tp === 0) out.push(tp);
  return out;
}

interface FitProbe {
  hardware: HardwareSpec;
  model: ModelSpec;
  precision: PrecisionSpec;
  kvBytes: number;
  maxTp: number;
  memUtil: number;
  reserveGb: number;
  minKvTokens: number;
}

/** Smallest tensor-parallel degree that holds the weights plus `minKvTokens` of KV cache, or null. */
export function smallestFittingTp(p: FitProbe): number | null {
  const weights = weightBytes(p.model, p.precision);
  const perToken = kvBytesPerToken(p.model, p.kvBytes);
  for (const tp of tpCandidates(p.model, p.maxTp)) {
    if (kvCapacity(p.hardware, weights, tp, perToken, p.memUtil, p.reserveGb) >= p.minKvTokens) return tp;
  }
  return null;
}

export function resolveDeployment(options: DeploymentOptions): Deployment {
  const hardware = options.catalog.hardware(options.gpu);
  const model = options.catalog.model(options.model);
  const precision = options.catalog.precision(options.precision);
  const kvPrecision = options.kvPrecision ?? "bf16";
  const kvBytes = KV_BYTES[kvPrecision];
  const memUtil = options.memoryUtilization ?? DEFAULT_MEMORY_UTILIZATION;
  const reserveGb = options.runtimeReserveGb ?? DEFAULT_RESERVE_GB;
  const maxTp = Math.min(options.maxTp ?? hardware.devicesPerServer, hardware.devicesPerServer);
  const minKvTokens = Math.max(1, options.minKvTokens ?? 1);
  const probe: FitProbe = { hardware, model, precision, kvBytes, maxTp, memUtil, reserveGb, minKvTokens };
  let tp = options.tp;
  if (tp !== undefined) {
    if (!Number.isInteger(tp) || tp < 1 || model.heads % tp !== 0 || tp > hardware.devicesPerServer) {
      throw new FrugalError(
        "input_invalid",
        `--tp ${tp}: must be a power of two dividing ${model.id}'s ${model.heads} attention heads, at most ${hardware.devicesPerServer} (${hardware.id} devices per server)`,
      );
    }
  } else {
    const found = smallestFittingTp(probe);
    if (found === null) throw infeasible(options.catalog, probe);
    tp = found;
  }
  const perToken = kvBytesPerToken(model, kvBytes);
  const weights = weightBytes(model, precision);
  return {
    hardware,
    model,
    precision,
    kvPrecision,
    kvBytesPerToken: perToken,
    tp,
    weightBytes: weights,
    kvCapacityTokens: kvCapacity(hardware, weights, tp, perToken, memUtil, reserveGb),
    calibration: options.calibration,
  };
}

/** The "does not fit" error, with what would: more devices, a lower precision, another chip, a smaller model. */
function infeasible(catalog: Catalog, p: FitProbe): FrugalError {
  const gb = (weightBytes(p.model, p.precision) / 1e9).toFixed(1);
  const ideas: string[] = [];
  const biggerTp = smallestFittingTp({ ...p, maxTp: p.hardware.devicesPerServer });
  if (biggerTp !== null && biggerTp > p.maxTp) ideas.push(`allow ${biggerTp} ${p.hardware.id} per replica`);
  for (const id of PRECISION_IDS) {
    const precision = catalog.precision(id);
    if (precision.bytesPerWeight >= p.precision.bytesPerWeight) continue;
    const tp = smallestFittingTp({ ...p, precision });
    if (tp !== null) ideas.push(`precision ${id} (${tp} x ${p.hardware.id})`);
  }
  for (const hwId of catalog.hardwareIds()) {
    if (hwId === p.hardware.id) continue;
    const hardware = catalog.hardware(hwId);
    const tp = smallestFittingTp({ ...p, hardware, maxTp: hardware.devicesPerServer });
    if (tp !== null) ideas.push(`${tp} x ${hwId}`);
  }
  const smaller = catalog
    .modelIds()
    .map((id) => catalog.model(id))
    .filter((m) => m.id !== p.model.id && smallestFittingTp({ ...p, model: m }) !== null)
    .map((m) => m.id);
  if (smaller.length > 0) ideas.push(`a smaller model on ${p.maxTp} x ${p.hardware.id}: ${smaller.join(", ")}`);
  const need = p.minKvTokens > 1 ? ` plus KV cache for ${p.minKvTokens} tokens` : "";
  return new FrugalError(
    "plan_infeasible",
    `${p.model.id} in ${p.precision.id} (${gb} GB of weights${need}) does not fit on ${p.maxTp} x ${p.hardware.id} ` +
      `(${p.hardware.memoryGb} GB each). What would fit: ${ideas.length > 0 ? ideas.join("; ") : "nothing in the catalog"}`,
    { details: { gpu: p.hardware.id, model: p.model.id, precision: p.precision.id, maxTp: p.maxTp, suggestions: ideas } },
  );
}
