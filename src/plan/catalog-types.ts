/**
 * The rows of the planner's catalogs (hardware, models, precisions). Each row names where its numbers come from and when,
 * because a planner figure is only as good as the datasheet behind it. The same zod schemas validate the built-in rows
 * (in tests) and the rows a user adds under `catalog:` in plan.yaml, so a user row can never be looser than ours.
 */
import { z } from "zod";

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "ids are lowercase: letters, digits, '.', '_' and '-'");
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();

export const hardwareSpecSchema = z.object({
  id,
  name: z.string().min(1),
  kind: z.enum(["gpu", "cpu"]),
  memoryGb: positive,
  memoryBandwidthGBs: positive,
  /** Dense (no sparsity) tensor throughput, TFLOPS / TOPS. fp8 is null where the chip has no fp8 path. */
  bf16Tflops: positive,
  fp8Tflops: positive.nullable(),
  int8Tops: positive,
  tdpW: positive,
  /** Board power when loaded but doing nothing: the floor of the utilization→power curve. */
  idleW: nonNegative,
  /** Per-direction bandwidth of the link tensor parallelism uses (NVLink, PCIe), GB/s. */
  interconnectGBs: positive,
  /** Devices in one server: the most a tensor-parallel group can span here. */
  devicesPerServer: z.number().int().positive(),
  cloudUsdPerHour: nonNegative,
  /** Purchase price per device including its share of the server, network and install. */
  capexUsd: nonNegative,
  source: z.string().min(1),
  date: z.string().min(4),
});
export type HardwareSpec = z.infer<typeof hardwareSpecSchema>;

export const modelSpecSchema = z
  .object({
    id,
    name: z.string().min(1),
    layers: z.number().int().positive(),
    hidden: z.number().int().positive(),
    heads: z.number().int().positive(),
    kvHeads: z.number().int().positive(),
    /** Defaults to hidden / heads. */
    headDim: z.number().int().positive().optional(),
    /** MLP width; for MoE the width of one expert. Gated (SwiGLU) MLPs are assumed: 3 matrices. */
    intermediate: z.number().int().positive(),
    vocab: z.number().int().positive(),
    tiedEmbeddings: z.boolean().default(false),
    experts: z.number().int().positive().optional(),
    topK: z.number().int().positive().optional(),
    maxContext: z.number().int().positive(),
    source: z.string().min(1),
    date: z.string().min(4),
  })
  .refine((m) => m.heads % m.kvHeads === 0, { message: "heads must be a multiple of kvHeads", path: ["kvHeads"] })
  .refine((m) => (m.experts === undefined) === (m.topK === undefined), {
    message: "experts and topK go together (both for MoE, neither for dense)",
    path: ["topK"],
  })
  .refine((m) => m.experts === undefined || (m.topK ?? 0) <= m.experts, { message: "topK cannot exceed experts", path: ["topK"] });
export type ModelSpec = z.infer<typeof modelSpecSchema>;

export const PRECISION_IDS = ["bf16", "fp8", "int8", "int4"] as const;
export type PrecisionId = (typeof PRECISION_IDS)[number];

export interface PrecisionSpec {
  id: PrecisionId;
  /** Bytes per weight of the quantized linear layers, scales included. */
  bytesPerWeight: number;
  /** The tensor-core path the matmuls run on when the chip has it. */
  compute: "bf16" | "fp8" | "int8";
  /** Weight-only formats dequantize to bf16 before the matmul: memory shrinks, compute does not speed up. */
  weightOnly: boolean;
  source: string;
}

export const KV_PRECISIONS = ["bf16", "fp8"] as const;
export type KvPrecision = (typeof KV_PRECISIONS)[number];
