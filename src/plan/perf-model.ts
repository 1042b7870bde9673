/**
 * The roofline of one forward step on one replica. A step reads the weights it needs and the KV cache of every sequence
 * (memory time at an achievable fraction of peak bandwidth) and does the matmuls (compute time at an achievable fraction of
 * peak FLOPs); the slower of the two sets the pace, plus two all-reduces per layer across the tensor-parallel group and a
 * fixed per-step overhead. Decode at small batch is memory-bound (time barely grows with batch); past the ridge point it is
 * compute-bound (time grows linearly). Prefill of a long prompt is compute-bound.
 */
import type { Deployment } from "./deployment.ts";
import { attentionFlops, linearFlops, stepWeightBytes } from "./model-math.ts";

export interface StepEstimate {
  ms: number;
  memoryMs: number;
  computeMs: number;
  commMs: number;
  overheadMs: number;
  bound: "memory" | "compute";
  /** Per device. */
  bytesRead: number;
  flops: number;
  /** Board power of each device during the step, from the utilization→power curve. */
  powerW: number;
  /** Energy of the whole replica (all tp devices) for this step. */
  energyJ: number;
}

/** Peak matmul throughput (FLOP/s) of the precision's compute path; chips without fp8 run fp8 weight-only on bf16. */
export function peakLinearFlops(d: Deployment): number {
  const hw = d.hardware;
  if (d.precision.weightOnly) return hw.bf16Tflops * 1e12;
  if (d.precision.compute === "fp8") return (hw.fp8Tflops ?? hw.bf16Tflops) * 1e12;
  if (d.precision.compute === "int8") return hw.int8Tops * 1e12;
  return hw.bf16Tflops * 1e12;
}

/** Per-device power at the given achieved fractions of peak bandwidth and peak FLOPs. */
export function devicePowerW(d: Deployment, memoryActivity: number, computeActivity: number): number {
  const c = d.calibration;
  const hw = d.hardware;
  const activity = Math.min(1, c.powerMemoryWeight * memoryActivity + c.powerComputeWeight * computeActivity);
  return hw.idleW + (hw.tdpW - hw.idleW) * Math.max(0, activity);
}

interface StepWork {
  /** Tokens pushed through the weights in this step (B for decode, B·P for prefill). */
  tokens: number;
  /** Total KV tokens read by attention (sum of contexts). */
  kvTokensRead: number;
  /** KV tokens written (one per new token). */
  kvTokensWritten: number;
  attentionFlops: number;
  computeEfficiency: number;
  /** Sequences the engine handles in this step (for the per-sequence overhead). */
  sequences: number;
}

function step(d: Deployment, work: StepWork): StepEstimate {
  const c = d.calibration;
  const hw = d.hardware;
  const tp = d.tp;
  const weightBytesRead = stepWeightBytes(d.model, d.precision, work.tokens) / tp;
  const kvBytesMoved = ((work.kvTokensRead + work.kvTokensWritten) * d.kvBytesPerToken) / tp;
  const bytesRead = weightBytesRead + kvBytesMoved;
  const linear = linearFlops(d.model, work.tokens) / tp;
  const attention = work.attentionFlops / tp;
  const flops = linear + attention;
  const bandwidth = hw.memoryBandwidthGBs * 1e9;
  const memoryMs = (weightBytesRead / (bandwidth * c.bandwidthEfficiency) + kvBytesMoved / (bandwidth * c.kvBandwidthEfficiency)) * 1000;
  // Attention runs on the bf16 path whatever the weight precision.
  const computeMs = (linear / (peakLinearFlops(d) * work.computeEfficiency) + attention / (hw.bf16Tflops * 1e12 * work.computeEfficiency)) * 1000;
  let commMs = 0;
  if (tp > 1) {
    // Ring all-reduce of the activations (tokens × hidden × 2 bytes), twice per layer.
    const message = work.tokens * d.model.hidden * 2;
    const perAllReduce = c.allReduceLatencyUs / 1000 + ((2 * (tp - 1)) / tp) * (message / (hw.interconnectGBs * 1e9)) * 1000;
    commMs = 2 * d.model.layers * perAllReduce;
  }
  const overheadMs = c.stepOverheadMs + (work.sequences * c.sequenceOverheadUs) / 1000;
  const ms = Math.max(memoryMs, computeMs) + (1 - c.overlap) * Math.min(memoryMs, computeMs) + commMs + overheadMs;
  const seconds = ms / 1000;
  const memoryActivity = bytesRead / (hw.memoryBandwidthGBs * 1e9) / seconds;
  const computeActivity = linear / peakLinearFlops(d) / seconds + attention / (hw.bf16Tflops * 1e12) / seconds;
  const powerW = devicePowerW(d, memoryActivity, computeActivity);
  return {
    ms,
    memoryMs,
    computeMs,
    commMs,
    overheadMs,
    bound: computeMs > memoryMs ? "compute" : "memory",
    bytesRead,
    flops,
    powerW,
    energyJ: powerW * seconds * tp,
  };
}

/** One decode step: `batch` sequences each generate one token, attending to `context` tokens on average. */
export function decodeStep(d: Deployment, options: { batch: number; context: number }): StepEstimate {
  const { batch, context } = options;
  return step(d, {
    tokens: batch,
    kvTokensRead: batch * context,
    kvTokensWritten: batch,
    attentionFlops: attentionFlops(d.model, batch, context),
    computeEfficiency: d.calibration.decodeComputeEfficiency,
    sequences: batch,
  });
}

/** Prefill of `batch` prompts of `promptTokens` tokens each (causal attention: each query sees half the prompt on average). */
export function prefillStep(d: Deployment, options: { batch: number; promptTokens: number }): StepEstimate {
  const tokens = options.batch * options.promptTokens;
  return step(d, {
    tokens,
    kvTokensRead: 0,
    kvTokensWritten: tokens,
    attentionFlops: attentionFlops(d.model, tokens, options.promptTokens / 2),
    computeEfficiency: d.calibration.prefillComputeEfficiency,
    sequences: options.batch,
  });
}

/**
 * One continuous-batching iteration: `decodeBatch` running sequences generate a token while `prefillTokens` prompt tokens
 * (chunked prefill) go through the same weights. Weights are read once for both, which is why mixing pays.
 */
export function mixedStep(
  d: Deployment,
  options: { prefillTokens: number; prefillAvgPrompt: number; decodeBatch: number; decodeContext: number; prefillSequences?: number },
): StepEstimate {
  const { prefillTokens, prefillAvgPrompt, decodeBatch, decodeContext } = options;
  return step(d, {
    tokens: prefillTokens + decodeBatch,
    kvTokensRead: decodeBatch * decodeContext,
    kvTokensWritten: prefillTokens + decodeBatch,
    attentionFlops: attentionFlops(d.model, prefillTokens, prefillAvgPrompt / 2) + attentionFlops(d.model, decodeBatch, decodeContext),
    // A step dominated by prompt tokens runs big GEMMs; one dominated by decode runs skinny ones.
    computeEfficiency: prefillTokens > decodeBatch ? d.calibration.prefillComputeEfficiency : d.calibration.decodeComputeEfficiency,
    sequences: decodeBatch + (options.prefillSequences ?? (prefillTokens > 0 ? 1 : 0)),
  });
}

/** Largest batch whose KV cache (each sequence at `contextTokens`) fits in the replica. */
export function kvLimitedBatch(d: Deployment, contextTokens: number): number {
  return Math.floor(d.kvCapacityTokens / Math.max(1, contextTokens));
}
