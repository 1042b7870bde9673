/**
 * Options of the llama-cpp provider, validated once by createLlamaCppProvider. The same schema, with `type: llama-cpp`,
 * is a provider config entry (`providerConfigSchema` in ../index.ts).
 */
import { z } from "zod";
import type { LlamaModelPool } from "./model-pool.ts";

export const llamaCppOptionsSchema = z
  .object({
    /** Path of the .gguf file. */
    modelPath: z.string().trim().min(1),
    /** The model name answers report; default: the file name without `.gguf`. */
    model: z.string().trim().min(1).optional(),
    /** false (default): CPU only. "auto": CUDA or Vulkan when a GPU and a matching prebuilt binary exist, else CPU. */
    gpu: z.union([z.literal("auto"), z.literal(false)]).default(false),
    /** Tokens per sequence (prompt + answer). */
    contextSize: z.number().int().min(64).max(1 << 20).default(2048),
    /** CPU threads; default all math cores but one (llama.cpp's spinning threads must not outnumber free cores). */
    threads: z.number().int().min(1).max(512).optional(),
    /** Requests decoded at once (context sequences); more requests wait in a queue. */
    maxConcurrency: z.number().int().min(1).max(64).default(1),
    /** Default sampling temperature; 0 = greedy, deterministic. */
    temperature: z.number().min(0).max(2).default(0),
    /** Default sampling seed (a request's `seed` wins); default: a random one per generation. */
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    /** Default cap on generated tokens. */
    maxTokens: z.number().int().min(1).max(1 << 20).default(256),
    /** Default per-request time limit, queueing included (`provider_timeout` when exceeded). */
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export type LlamaCppOptionsInput = z.input<typeof llamaCppOptionsSchema>;
export type ResolvedLlamaCppOptions = z.output<typeof llamaCppOptionsSchema>;

export interface LlamaCppOptions extends LlamaCppOptionsInput {
  /** Share loaded models between providers; default: a pool owned (and closed) by this provider. */
  pool?: LlamaModelPool;
}
