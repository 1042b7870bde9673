/**
 * Counting: parameters, bytes and FLOPs of a transformer from its shape. Nothing here knows about hardware. Norms and biases
 * are left out (well under 0.1% of the weights); MLPs are gated (three matrices), as in every model of the catalog.
 */
import type { ModelSpec, PrecisionSpec } from "./catalog-types.ts";

export interface ParamCounts {
  /** Attention projections of all layers (q, k, v, o). */
  attention: number;
  /** Dense MLPs of all layers (0 for MoE). */
  denseMlp: number;
  /** One expert's MLP in one layer (0 for dense). */
  expertPerLayer: number;
  /** Router weights of all layers. */
  router: number;
  /** Input embedding (a lookup: B rows read per step, not the whole table). */
  embedding: number;
  /** Output projection (0 when tied to the embedding, which is then read in full each step). */
  lmHead: number;
  total: number;
  /** Parameters one token goes through: attention + top-k experts (or the dense MLP) + LM head. */
  activePerToken: number;
}

export function headDim(model: ModelSpec): number {
  return model.headDim ?? model.hidden / model.heads;
}

export function paramCounts(model: ModelSpec): ParamCounts {
  const hd = headDim(model);
  const q = model.hidden * model.heads * hd;
  const kv = 2 * model.hidden * model.kvHeads * hd;
  const o = model.heads * hd * model.hidden;
  const attention = model.layers * (q + kv + o);
  const mlpOne = 3 * model.hidden * model.intermediate;
  const moe = model.experts !== undefined;
  const denseMlp = moe ? 0 : model.layers * mlpOne;
  const expertPerLayer = moe ? mlpOne : 0;
  const router = moe ? model.layers * model.hidden * (model.experts ?? 0) : 0;
  const embedding = model.vocab * model.hidden;
  const lmHead = model.tiedEmbeddings ? 0 : model.vocab * model.hidden;
  const experts = moe ? model.layers * (model.experts ?? 0) * expertPerLayer : 0;
  const total = attention + denseMlp + experts + router + embedding + lmHead;
  const activeMlp = moe ? model.layers * (model.topK ?? 0) * expertPerLayer : denseMlp;
  const activePerToken = attention + activeMlp + router + model.vocab * model.hidden;
  return { attention, denseMlp, expertPerLayer, router, embedding, lmHead, total, activePerToken };
}

/**
 * Expected number of distinct experts a layer touches when `tokens` tokens are each routed to `topK` of `experts` experts,
 * routing assumed uniform and independent: E·(1 − (1 − k/E)^B). One token touches k; a large batch touches all E.
 */
export function expectedExpertsTouched(experts: number, topK: number, tokens: number): number {
  if (tokens <= 0) return 0;
  return experts * (1 - Math.pow(1 - topK / experts, tokens));
}

/** Bytes of the weights at rest: quantized linear layers, bf16 embeddings and LM head. */
export function weightBytes(model: ModelSpec, precision: PrecisionSpec): number {
  const p = paramCounts(model);
  const experts = model.layers * (model.experts ?? 0) * p.expertPerLayer;
  const linear = p.attention + p.denseMlp + experts + p.router;
  return linear * precision.bytesPerWeight + (p.embedding + p.lmHead) * 2;
}

/**
 * Bytes read from memory by one forward step over `tokens` tokens (a decode step of batch B, or a prefill of B·P tokens):
 * every non-expert linear weight once, the experts the batch touches, the LM head (or the tied embedding) once, plus the
 * embedding rows looked up. The KV cache is counted by the caller, which knows the contexts.
 */
export function stepWeightBytes(model: ModelSpec, precision: PrecisionSpec, tokens: number): number {
  const p = paramCounts(model);
  const touched = model.experts === undefined ? 0 : expectedExpertsTouched(model.experts, model.topK ?? 0, tokens);
  const linear = p.attention + p.denseMlp + p.router + model.layers * touched * p.expertPerLayer;
  const head = model.vocab * model.hidden * 2;
  const lookups = Math.min(tokens, model.vocab) * model.hidden * 2;
  return linear * precision.bytesPerWeight + head + (model.tiedEmbeddings ? 0 : lookups);
}

/** KV-cache bytes per token of context (keys and values of every layer). */
export function kvBytesPerToken(model: ModelSpec, kvBytes: number): number {
  return 2 * model.layers * model.kvHeads * headDim(model) * kvBytes;
}

/** Matmul FLOPs of the weights for `tokens` tokens (2 per multiply-add). */
export function linearFlops(model: ModelSpec, tokens: number): number {
  return 2 * paramCounts(model).activePerToken * tokens;
}

/**
 * Attention-score FLOPs (QKᵀ and AV) for `queries` query tokens that each attend to `context` keys on average:
 * 2 matmuls × 2 FLOPs × heads × headDim per (query, key) pair per layer.
 */
export function attentionFlops(model: ModelSpec, queries: number, context: number): number {
  return 4 * model.layers * model.heads * headDim(model) * queries * context;
}
