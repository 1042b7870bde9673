/**
 * Provider configs and the one factory that turns a config into a Provider. Configs form a zod discriminated union on
 * `type`, so a config file fails with the key path of its bad field and editors get a JSON Schema for free.
 *
 * Adding a backend: write its schema (`type: z.literal("<name>")` + its options), add it to `providerConfigSchema`'s list,
 * and add a `case` to `createProvider`. The `never` check makes the compiler point at the missing case.
 *
 * Importing this module never loads node-llama-cpp: the llama-cpp provider imports its native binding on its first
 * request (llama-cpp/load-model.ts), so OpenAI-only users never pay for it (index.test.ts checks the imports).
 */
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { createLlamaCppProvider, llamaCppOptionsSchema } from "./llama-cpp/index.ts";
import { createOpenAiCompatibleProvider, openAiCompatibleOptionsSchema } from "./openai-compatible/index.ts";
import type { LlamaModelPool } from "./llama-cpp/index.ts";
import type { Provider } from "./types.ts";

export type { ChatMessage, ChatRequest, ChatResult, ChatUsage, JsonSchemaFormat, Provider, StreamPart } from "./types.ts";
export { createLlamaCppProvider, createLlamaModelPool, type LlamaCppOptions, type LlamaCppProvider, type LlamaModelPool } from "./llama-cpp/index.ts";
export { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from "./openai-compatible/index.ts";

export const openAiCompatibleProviderConfigSchema = openAiCompatibleOptionsSchema
  .omit({ apiKey: true })
  .extend({
    type: z.literal("openai-compatible"),
    /** Name of the environment variable holding the API key: keys never live in config files. */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
      .optional(),
  })
  .strict();

/** A local GGUF model run in-process: modelPath, gpu, contextSize, threads, maxConcurrency, sampling defaults, seed. */
export const llamaCppProviderConfigSchema = llamaCppOptionsSchema.extend({ type: z.literal("llama-cpp") }).strict();

export const providerConfigSchema = z.discriminatedUnion("type", [openAiCompatibleProviderConfigSchema, llamaCppProviderConfigSchema]);

export type ProviderConfig = z.output<typeof providerConfigSchema>;
export type ProviderConfigInput = z.input<typeof providerConfigSchema>;

export interface CreateProviderOptions {
  /** Where API keys are read from; process.env by default (tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Names the config in error messages, e.g. "frugal.yaml: tiers[2].provider". */
  source?: string;
  /** llama-cpp: share loaded models between providers (default: a pool owned, and closed, by the provider). */
  pool?: LlamaModelPool;
}

/** The API key named by `apiKeyEnv`; a named but unset variable is a config error (the key itself is never shown). */
export function resolveApiKey(apiKeyEnv: string | undefined, env: Record<string, string | undefined>, source: string): string | undefined {
  if (apiKeyEnv === undefined) return undefined;
  const value = env[apiKeyEnv];
  if (value === undefined || value.trim() === "") {
    throw new FrugalError("config_invalid", `${source}: apiKeyEnv names ${apiKeyEnv}, which is not set in the environment`, {
      details: { keyPath: "apiKeyEnv", env: apiKeyEnv },
    });
  }
  return value.trim();
}

export function createProvider(config: ProviderConfigInput, options: CreateProviderOptions = {}): Provider {
  const source = options.source ?? "provider config";
  const parsed = validateConfig(providerConfigSchema, config, source);
  switch (parsed.type) {
    case "openai-compatible": {
      const { type: _type, apiKeyEnv, ...rest } = parsed;
      const apiKey = resolveApiKey(apiKeyEnv, options.env ?? process.env, source);
      return createOpenAiCompatibleProvider(apiKey === undefined ? rest : { ...rest, apiKey });
    }
    case "llama-cpp": {
      const { type: _type, ...rest } = parsed;
      return createLlamaCppProvider(options.pool === undefined ? rest : { ...rest, pool: options.pool });
    }
    default: {
      const unreachable: never = parsed;
      throw new FrugalError("config_invalid", `${source}: unknown provider type ${String((unreachable as { type: unknown }).type)}`);
    }
  }
}
