/**
 * One generation on a pooled model, shared by chat() and stream(): wait for a free sequence, render and count the prompt,
 * decode (grammar-constrained when a JSON schema is given), and time it. `computeMs` covers only the decoding, from the
 * moment a sequence was held: queueing and grammar building are in `latencyMs`, not in the compute that self-hosted
 * pricing multiplies by a $/hour.
 */
import { FrugalError, isFrugalError } from "../../core/errors.ts";
import type { ChatRequest, ChatResult } from "../types.ts";
import { countPromptTokens, toChatHistory } from "./chat-history.ts";
import type { ModelLease } from "./model-pool.ts";

export interface GenerationDefaults {
  maxTokens: number;
  temperature: number;
}

export interface GenerationResult {
  text: string;
  finishReason: ChatResult["finishReason"];
  inputTokens: number;
  outputTokens: number;
  computeMs: number;
  /** From the request's start to the first text chunk. */
  firstTokenMs?: number;
  /** From the request's start to the end, queueing included. */
  latencyMs: number;
}

export interface GenerationHooks {
  startedAt: number;
  signal: AbortSignal;
  onTextChunk?: (text: string) => void;
  /** Used when the temperature is above 0; node-llama-cpp would otherwise seed with the current second. */
  seed: number;
  /** The re-generation after an invalid answer: the stricter UTF-8 guard (utf8-guard.ts). */
  strictUtf8: boolean;
}

type StopReason = "eogToken" | "stopGenerationTrigger" | "functionCalls" | "maxTokens" | "abort" | "customStopTrigger";

function finishReasonOf(stop: StopReason): ChatResult["finishReason"] {
  switch (stop) {
    case "eogToken":
    case "stopGenerationTrigger":
    case "customStopTrigger":
      return "stop";
    case "maxTokens":
      return "length";
    case "functionCalls":
      return "tool_calls";
    default:
      return "unknown";
  }
}

function checkSampling(request: ChatRequest): void {
  const { maxTokens, temperature, seed } = request;
  // node-llama-cpp reads maxTokens 0 as "no limit": a bad value must fail here, not run away.
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw new FrugalError("input_invalid", `maxTokens must be an integer ≥ 1, got ${maxTokens}`);
  }
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0 && temperature <= 2)) {
    throw new FrugalError("input_invalid", `temperature must be between 0 and 2, got ${temperature}`);
  }
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new FrugalError("input_invalid", `seed must be an integer between 0 and 2^32 - 1, got ${seed}`);
  }
}

export async function generate(lease: ModelLease, request: ChatRequest, defaults: GenerationDefaults, hooks: GenerationHooks): Promise<GenerationResult> {
  checkSampling(request);
  const history = toChatHistory(request.messages);
  const grammar = request.jsonSchema === undefined ? undefined : await lease.grammarFor(request.jsonSchema.schema);
  // Only schema-constrained answers are guarded: free text is left exactly as node-llama-cpp samples it. The bias costs
  // about 3% of a 15-token enum answer's decoding on the tiny model (40 alternating pairs, 98.5 vs 95.4 ms): cheap insurance.
  const tokenBias = grammar === undefined ? undefined : lease.utf8Guard.bias(hooks.strictUtf8);
  const slot = await lease.acquireSequence(hooks.signal);
  let dirty = true;
  try {
    const inputTokens = countPromptTokens(slot.chat, lease.model, history);
    const room = lease.backend.contextSize - inputTokens;
    if (room < 1) {
      dirty = false;
      throw new FrugalError(
        "input_invalid",
        `the prompt is ${inputTokens} tokens but a sequence of ${lease.backend.modelPath} holds ${lease.backend.contextSize}: raise contextSize or shorten the prompt`,
        { details: { inputTokens, contextSize: lease.backend.contextSize } },
      );
    }
    const maxTokens = Math.min(request.maxTokens ?? defaults.maxTokens, room);
    const before = slot.sequence.tokenMeter.getState();
    const computeStart = performance.now();
    let firstAt: number | undefined;
    const response = await lease.keepAlive.run(() =>
      slot.chat.generateResponse(history, {
        ...(grammar === undefined ? {} : { grammar }),
        ...(tokenBias === undefined ? {} : { tokenBias }),
        maxTokens,
        temperature: request.temperature ?? defaults.temperature,
        seed: hooks.seed,
        signal: hooks.signal,
        stopOnAbortSignal: false,
        onTextChunk(text) {
          if (text.length === 0) return;
          firstAt ??= performance.now();
          hooks.onTextChunk?.(text);
        },
      }),
    );
    const end = performance.now();
    // stopOnAbortSignal is false, so an abort throws; this guards against a version that returns instead.
    if (response.metadata.stopReason === "abort" || hooks.signal.aborted) throw new FrugalError("cancelled", "the generation was aborted");
    const used = slot.sequence.tokenMeter.diff(before);
    dirty = false;
    const text = response.response;
    const result: GenerationResult = {
      text,
      finishReason: finishReasonOf(response.metadata.stopReason),
      inputTokens,
      // The meter counts every sampled token, stop-trigger tokens included; fall back to re-tokenizing if it saw none.
      outputTokens: used.usedOutputTokens > 0 || text.length === 0 ? used.usedOutputTokens : lease.model.tokenize(text).length,
      computeMs: end - computeStart,
      latencyMs: end - hooks.startedAt,
    };
    if (firstAt !== undefined) result.firstTokenMs = firstAt - hooks.startedAt;
    return result;
  } finally {
    await slot.release({ dirty });
  }
}

/** Why a request's signal fired: the caller, its timeout, or the provider closing. */
export type AbortCause = "cancelled" | "timeout" | "closed";

export function generationError(error: unknown, cause: AbortCause | undefined, timeoutMs: number | undefined): FrugalError {
  if (cause === "timeout") return new FrugalError("provider_timeout", `the local model did not finish within ${timeoutMs} ms`, { cause: error });
  if (cause === "closed") return new FrugalError("cancelled", "the llama-cpp provider was closed during the request", { cause: error });
  if (cause === "cancelled") return new FrugalError("cancelled", "the request was cancelled", { cause: error });
  if (isFrugalError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FrugalError("provider_error", `llama.cpp generation failed: ${message}`, { cause: error });
}
