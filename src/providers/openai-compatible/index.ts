/**
 * A Provider for any OpenAI-compatible chat-completions endpoint: vLLM, Ollama, the llama.cpp server, OpenAI, Mistral,
 * Azure (through `headers` and a base URL carrying `?api-version=`), OpenRouter...
 *
 *   const provider = createOpenAiCompatibleProvider({ baseUrl: "http://127.0.0.1:8000/v1", model: "qwen2.5-7b" });
 *   const answer = await provider.chat({ messages: [{ role: "user", content: "Hi" }] });
 *
 * Options are validated once here; the request path builds bodies from pre-serialized parts and reuses one keep-alive
 * pool (bench/provider-overhead.ts measures what this adds over a raw undici call).
 */
import { extend } from "../../core/objects.ts";
import { cancelledError } from "../retry.ts";
import { generateValid, nextSeed } from "../schema-answer.ts";
import type { ChatRequest, ChatResult, Provider, StreamPart } from "../types.ts";
import { createChatClient } from "./client.ts";
import { resolveOpenAiCompatibleOptions, type OpenAiCompatibleOptions } from "./options.ts";
import { resolveUsage, streamChat } from "./stream.ts";
import { parseCompletion } from "./wire.ts";

export { openAiCompatibleOptionsSchema, type OpenAiCompatibleOptions } from "./options.ts";

export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): Provider {
  const resolved = resolveOpenAiCompatibleOptions(options);
  const client = createChatClient(resolved);

  async function chat(request: ChatRequest): Promise<ChatResult> {
    if (request.signal?.aborted === true) throw cancelledError(request.signal);
    // One call, one deadline: the re-generation after an answer that failed its schema runs inside the same timeoutMs.
    const call = client.begin(request);
    try {
      const r = await generateValid(request, client.endpoint, async (again) => {
        const seed = again ? nextSeed(request.seed) : request.seed;
        const asked = seed === request.seed ? request : extend(request, { seed });
        const executed = await client.execute(call, asked, false, async (response) =>
          parseCompletion(await response.body.text(), client.endpoint, client.apiKey),
        );
        const parsed = executed.value;
        const model = parsed.model ?? request.model ?? resolved.model;
        const sentInstruction = executed.mode !== undefined && executed.mode !== "json_schema";
        return extend(parsed, { model, usage: resolveUsage(parsed.usage, asked, sentInstruction, parsed.text, model), attempts: executed.attempts, headersAt: executed.headersAt });
      });
      const result: ChatResult = {
        text: r.text,
        model: r.model,
        finishReason: r.finishReason,
        usage: r.usage,
        latencyMs: performance.now() - call.startedAt,
        firstTokenMs: r.headersAt - call.startedAt,
        attempts: r.attempts,
      };
      if (r.tokenLogprobs !== undefined) result.tokenLogprobs = r.tokenLogprobs;
      return result;
    } catch (error) {
      throw call.fail(error);
    } finally {
      call.end();
    }
  }

  return {
    id: `openai-compatible:${client.endpoint}`,
    model: resolved.model,
    chat,
    stream(request: ChatRequest): AsyncIterable<StreamPart> {
      return streamChat(client, request);
    },
    close: () => client.close(),
  };
}
