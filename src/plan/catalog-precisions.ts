/**
 * Weight precisions. Only the linear layers are quantized: embeddings and the LM head stay in bf16, as in the common
 * recipes (vLLM/ModelOpt fp8, AWQ/GPTQ int4), and the KV cache has its own precision (bf16 unless configured).
 */
import type { KvPrecision, PrecisionId, PrecisionSpec } from "./catalog-types.ts";

export const PRECISIONS: Record<PrecisionId, PrecisionSpec> = {
  bf16: { id: "bf16", bytesPerWeight: 2, compute: "bf16", weightOnly: false, source: "IEEE-style bfloat16: 2 bytes" },
  fp8: {
    id: "fp8",
    bytesPerWeight: 1,
    compute: "fp8",
    weightOnly: false,
    source: "FP8 E4M3 W8A8 (per-tensor scales, negligible); on chips without fp8 tensor cores it runs weight-only (W8A16)",
  },
  int8: { id: "int8", bytesPerWeight: 1, compute: "int8", weightOnly: false, source: "INT8 W8A8 (SmoothQuant-style), per-channel scales" },
  int4: {
    id: "int4",
    // 4 bits + one 16-bit scale per group of 128 weights (AWQ/GPTQ default) = 4.125 bits.
    bytesPerWeight: 4.125 / 8,
    compute: "bf16",
    weightOnly: true,
    source: "INT4 weight-only (AWQ/GPTQ, group size 128, fp16 scales), dequantized to bf16 for the matmul (W4A16)",
  },
};

export const KV_BYTES: Record<KvPrecision, number> = { bf16: 2, fp8: 1 };
