/**
 * Options of the OpenAI-compatible provider, validated once by the factory (zod stays off the request path).
 */
import { z } from "zod";
import { validateConfig } from "../../core/config-file.ts";

export const openAiCompatibleOptionsSchema = z
  .object({
    /** The API root, with its version segment: `http://127.0.0.1:8000/v1`, `https://api.openai.com/v1`. */
    baseUrl: z.url({ protocol: /^https?$/ }),
    model: z.string().min(1),
    /** The key itself, resolved by the caller (e.g. from `apiKeyEnv`); sent as a Bearer token, never logged. */
    apiKey: z.string().min(1).optional(),
    /** Extra headers on every request (e.g. Azure's `api-key`, an OpenRouter referer). */
    headers: z.record(z.string(), z.string()).default({}),
    /** Wall-clock limit of one call, retries and waits included. */
    timeoutMs: z.number().int().positive().default(60_000),
    /** Limit on the wait for response headers, per attempt; a slow first byte is retried if time remains. */
    firstByteTimeoutMs: z.number().int().positive().optional(),
    maxRetries: z.number().int().min(0).max(10).default(2),
    retryBaseMs: z.number().int().min(0).default(250),
    retryMaxMs: z.number().int().min(0).default(8_000),
    /** Keep-alive connections kept open to the endpoint. */
    connections: z.number().int().positive().max(1024).default(16),
    /** "auto": try `json_schema`, fall back to `json_object` then to instructions in the prompt on a 400, and remember. */
    supportsJsonSchema: z.union([z.literal("auto"), z.boolean()]).default("auto"),
    /** Whether to forward `logprobs: true` when a request asks for it; false for servers that reject the flag. */
    supportsLogprobs: z.boolean().default(true),
  })
  .strict();

export type OpenAiCompatibleOptions = z.input<typeof openAiCompatibleOptionsSchema>;
export type ResolvedOpenAiCompatibleOptions = z.output<typeof openAiCompatibleOptionsSchema>;

export function resolveOpenAiCompatibleOptions(options: OpenAiCompatibleOptions): ResolvedOpenAiCompatibleOptions {
  return validateConfig(openAiCompatibleOptionsSchema, options, "openai-compatible provider options");
}

/** The pool's origin and the chat-completions path (a query string such as Azure's `?api-version=` is kept). */
export function chatEndpoint(baseUrl: string): { origin: string; path: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, "")}/chat/completions${url.search}` };
}
