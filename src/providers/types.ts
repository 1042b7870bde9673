/**
 * The Provider interface: one LLM backend (an OpenAI-compatible endpoint, a local GGUF model...). Providers speak chat;
 * turning a task into messages and an answer back into a TaskOutput is the llm tier's job (src/tiers), so every backend
 * shares one prompt and parsing path.
 */
import type { Provenance } from "../core/provenance.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface JsonSchemaFormat {
  /** A short identifier for the schema (OpenAI's `response_format.json_schema.name`). */
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** Overrides the provider's configured model. */
  model?: string;
  maxTokens?: number;
  temperature?: number;
  /**
   * Sampling seed, for answers that can be reproduced at a temperature above 0 (llama-cpp; forwarded as `seed` to
   * OpenAI-compatible servers, which may honour it). A re-generation after an invalid answer uses seed + 1.
   */
  seed?: number;
  /**
   * Constrain the answer to this JSON schema where the backend supports it. Every provider checks the answer against it
   * (src/providers/json-schema-check.ts): an invalid answer is generated again once, then is a `schema_violation`.
   */
  jsonSchema?: JsonSchemaFormat;
  /** Ask for token logprobs, used as a confidence signal when the backend offers them. */
  logprobs?: boolean;
  signal?: AbortSignal;
  /** Per-request timeout; the provider's default otherwise. */
  timeoutMs?: number;
}

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
  /** `measured` when the backend returned or counted them; `modeled` when estimated with a tokenizer. */
  provenance: Provenance;
}

export interface ChatResult {
  /** With a `jsonSchema`: the answer's JSON, checked against the schema (trimmed, without a code fence). */
  text: string;
  model: string;
  finishReason: "stop" | "length" | "content_filter" | "tool_calls" | "error" | "unknown";
  /** Tokens of every generation of this call, a discarded invalid answer included: it was paid for. */
  usage: ChatUsage;
  /** Log-probabilities of the generated tokens, when asked for and offered. */
  tokenLogprobs?: number[];
  /** Wall time from send to last byte. */
  latencyMs: number;
  /** Time to first token (streaming) or first byte. */
  firstTokenMs?: number;
  /** In-process compute time (local models), used to price self-hosted work. */
  computeMs?: number;
  /**
   * Requests it took, all counted: transport retries, structured-output fallbacks (openai-compatible) and the one
   * re-generation after an answer that failed its JSON schema. 1 = the first request answered.
   */
  attempts: number;
}

/** Typed stream parts: SSE is parsed into these in one place, and serialized from them in one place (the gateway). */
export type StreamPart =
  | { type: "text-delta"; text: string }
  | { type: "logprobs"; values: number[] }
  | {
      type: "finish";
      finishReason: ChatResult["finishReason"];
      usage: ChatUsage;
      model: string;
      latencyMs: number;
      firstTokenMs?: number;
      /** In-process compute time (local models), as in ChatResult. */
      computeMs?: number;
    };

export interface Provider {
  /** e.g. "openai-compatible:http://127.0.0.1:8000/v1" or "llama-cpp:/models/x.gguf". */
  readonly id: string;
  /** The model answered by default. */
  readonly model: string;
  chat(request: ChatRequest): Promise<ChatResult>;
  stream(request: ChatRequest): AsyncIterable<StreamPart>;
  close(): Promise<void>;
}
