/**
 * GPUs needed at a P95 target: the fewest replicas whose simulated P95 meets the SLO at the target rate, found by
 * doubling from a throughput lower bound and then bisecting (P95 falls as replicas are added). Also: how many instances of
 * a model one server holds, which is what "models per server" means to someone sizing a rack.
 */
import { FrugalError } from "../core/errors.ts";
import type { Deployment } from "./deployment.ts";
import { decodeStep, kvLimitedBatch, prefillStep } from "./perf-model.ts";
import { simulate, type SimulationOptions, type SimulationResult } from "./simulate.ts";

export interface CapacityOptions extends Omit<SimulationOptions, "replicas"> {
  sloP95Ms: number;
  /** Most replicas to try before calling the target infeasible. */
  maxReplicas?: number;
}

export interface CapacityResult {
  replicas: number;
  devices: number;
  simulation: SimulationResult;
  /** Latency of one request alone on an idle replica: the floor no amount of hardware removes. */
  unloadedLatencyMs: number;
  /** Requests/s one replica sustains at its largest batch: the throughput lower bound on replicas. */
  replicaMaxRatePerSecond: number;
}

/** Latency of a lone request: its prefill, then one decode step per remaining output token at batch 1. */
export function unloadedLatencyMs(d: Deployment, inputTokens: number, outputTokens: number): number {
  let ms = prefillStep(d, { batch: 1, promptTokens: inputTokens }).ms;
  // Decode steps grow slowly with context; sampling a few points keeps this cheap for long outputs.
  const samples = Math.min(16, Math.max(1, outputTokens - 1));
  for (let i = 0; i < samples; i++) {
    const context = inputTokens + ((i + 0.5) / samples) * (outputTokens - 1);
    ms += (decodeStep(d, { batch: 1, context }).ms * (outputTokens - 1)) / samples;
  }
  return ms;
}

/** Requests/s one replica sustains when every step runs the largest batch the KV cache and the engine allow. */
export function replicaMaxRate(d: Deployment, inputTokens: number, outputTokens: number, maxBatch: number): number {
  const batch = Math.max(1, Math.min(maxBatch, kvLimitedBatch(d, inputTokens + outputTokens)));
  const decodeMs = decodeStep(d, { batch, context: inputTokens + outputTokens / 2 }).ms;
  const prefillMsPerRequest = prefillStep(d, { batch: 1, promptTokens: inputTokens }).ms;
  const secondsPerRequest = (outputTokens * decodeMs) / batch / 1000 + prefillMsPerRequest / 1000;
  return 1 / secondsPerRequest;
}

export function findCapacity(o: CapacityOptions): CapacityResult {
  const d = o.deployment;
  const unloaded = unloadedLatencyMs(d, o.inputTokens, o.outputTokens);
  if (unloaded > o.sloP95Ms) {
    throw new FrugalError(
      "plan_infeasible",
      `${d.model.id} ${d.precision.id} on ${d.tp} x ${d.hardware.id} needs ${Math.round(unloaded)} ms for one ` +
        `${o.inputTokens}+${o.outputTokens}-token request on an idle replica, above the P95 target of ${o.sloP95Ms} ms: ` +
        "no number of replicas can meet it. Try fewer output tokens, a lower precision, a smaller model or faster hardware.",
      { details: { unloadedLatencyMs: unloaded, sloP95Ms: o.sloP95Ms } },
    );
  }
  const maxReplicas = o.maxReplicas ?? 4096;
  const perReplica = replicaMaxRate(d, o.inputTokens, o.outputTokens, o.maxBatch ?? 256);
  const meets = (replicas: number): SimulationResult | null => {
    const sim = simulate({ ...o, replicas });
    return sim.stable && sim.latencyMs.p95 <= o.sloP95Ms ? sim : null;
  };
  // The bound is optimistic by construction (max batch, no queueing); the margin covers prefill that rides along with
  // decode steps in the simulation and costs less than a prefill alone.
  let low = Math.max(1, Math.ceil(o.ratePerSecond / (perReplica * 1.25))) - 1;
  let high = low + 1;
  let found = meets(high);
  while (found === null) {
    if (high >= maxReplicas) {
      throw new FrugalError(
        "plan_infeasible",
        `${o.ratePerSecond} req/s at P95 <= ${o.sloP95Ms} ms would need more than ${maxReplicas} replicas of ` +
          `${d.model.id} on ${d.tp} x ${d.hardware.id}`,
        { details: { maxReplicas } },
      );
    }
    low = high;
    high = Math.min(maxReplicas, high * 2);
    found = meets(high);
  }
  let best: SimulationResult = found;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    const sim = meets(mid);
    if (sim === null) low = mid;
    else {
      high = mid;
      best = sim;
    }
  }
  return { replicas: high, devices: high * d.tp, simulation: best, unloadedLatencyMs: unloaded, replicaMaxRatePerSecond: perReplica };
}

/**
 * Instances of this deployment one server holds. A model spanning several devices: servers' devices / tp. A small model:
 * instances per device by memory (weights plus the KV cache its batch needs), times devices. Memory is the only limit
 * counted here: co-located instances also share bandwidth, which the per-instance latency figures do not include.
 */
export function modelsPerServer(d: Deployment, kvTokensNeeded: number, options: { memoryUtilization?: number; runtimeReserveGb?: number } = {}): number {
  const hw = d.hardware;
  if (d.tp > 1) return Math.floor(hw.devicesPerServer / d.tp);
  const usable = hw.memoryGb * 1e9 * (options.memoryUtilization ?? 0.9);
  const perInstance = d.weightBytes + (options.runtimeReserveGb ?? 2) * 1e9 + kvTokensNeeded * d.kvBytesPerToken;
  return Math.max(0, Math.floor(usable / perInstance)) * hw.devicesPerServer;
}
