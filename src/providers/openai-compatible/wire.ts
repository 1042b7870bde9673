/**
 * The chat-completions wire format: request bodies built by string concatenation from pre-serialized parts (this runs on
 * every call, so no zod and no object copies), and response bodies / stream chunks read defensively, because "compatible"
 * servers differ in what they omit.
 */
import type { ChatMessage, ChatRequest, ChatResult } from "../types.ts";
import { FrugalError } from "../../core/errors.ts";
import { malformedError, redact, upstreamMessage } from "./errors.ts";

/** How a JSON schema is conveyed: natively, as JSON mode plus instructions, or as instructions only. */
export type SchemaMode = "json_schema" | "json_object" | "prompt";

export interface BodyParts {
  /** `{"model":"<configured model>"` */
  modelPrefix: string;
  supportsLogprobs: boolean;
}

const STREAM_TAIL = ',"stream":true,"stream_options":{"include_usage":true}}';
const PLAIN_TAIL = ',"stream":false}';

export function modelPrefix(model: string): string {
  return `{"model":${JSON.stringify(model)}`;
}

/** OpenAI requires `^[a-zA-Z0-9_-]{1,64}$` for a schema name. */
function schemaName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return clean === "" ? "answer" : clean;
}

/**
 * For servers without native schema support the schema travels as an instruction, merged into a leading system message
 * (several chat templates reject a system message anywhere but first).
 */
export function withSchemaInstruction(messages: ChatMessage[], schema: Record<string, unknown>): ChatMessage[] {
  const instruction =
    `Answer with one JSON object only, no prose and no code fence. It must be valid against this JSON Schema:\n` + JSON.stringify(schema);
  const first = messages[0];
  if (first?.role === "system") return [{ role: "system", content: `${first.content}\n\n${instruction}` }, ...messages.slice(1)];
  return [{ role: "system", content: instruction }, ...messages];
}

export function buildBody(parts: BodyParts, request: ChatRequest, stream: boolean, mode: SchemaMode | undefined): string {
  let body = request.model === undefined ? parts.modelPrefix : modelPrefix(request.model);
  const schema = request.jsonSchema;
  const messages = schema !== undefined && mode !== "json_schema" ? withSchemaInstruction(request.messages, schema.schema) : request.messages;
  body += ',"messages":' + JSON.stringify(messages);
  if (request.maxTokens !== undefined) body += ',"max_tokens":' + String(request.maxTokens);
  if (request.temperature !== undefined) body += ',"temperature":' + String(request.temperature);
  if (request.seed !== undefined) body += ',"seed":' + String(request.seed);
  if (request.logprobs === true && parts.supportsLogprobs) body += ',"logprobs":true';
  if (schema !== undefined) {
    if (mode === "json_schema") {
      body +=
        ',"response_format":{"type":"json_schema","json_schema":{"name":' +
        JSON.stringify(schemaName(schema.name)) +
        ',"schema":' +
        JSON.stringify(schema.schema) +
        ',"strict":true}}';
    } else if (mode === "json_object") {
      body += ',"response_format":{"type":"json_object"}';
    }
  }
  return body + (stream ? STREAM_TAIL : PLAIN_TAIL);
}

export function finishReasonOf(value: unknown): ChatResult["finishReason"] {
  switch (value) {
    case "stop":
    case "length":
    case "content_filter":
    case "tool_calls":
    case "error":
      return value;
    case "function_call":
      return "tool_calls";
    default:
      return "unknown";
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

export interface WireUsage {
  inputTokens: number;
  outputTokens: number;
}

export function usageOf(value: unknown): WireUsage | undefined {
  if (!isObject(value)) return undefined;
  const input = value.prompt_tokens;
  const output = value.completion_tokens;
  if (typeof input !== "number" || typeof output !== "number") return undefined;
  return { inputTokens: input, outputTokens: output };
}

/** `logprobs.content[].logprob`, the OpenAI shape (vLLM, llama.cpp server and Ollama follow it). */
export function logprobsOf(value: unknown): number[] | undefined {
  if (!isObject(value) || !Array.isArray(value.content)) return undefined;
  const out: number[] = [];
  for (const entry of value.content) if (isObject(entry) && typeof entry.logprob === "number") out.push(entry.logprob);
  return out;
}

/** An error object inside a 200 body or a stream event: some servers report failures this way. */
function inBandError(parsed: Json, endpoint: string, apiKey: string | undefined): FrugalError | undefined {
  if (parsed.error === undefined || parsed.error === null) return undefined;
  const message = redact(upstreamMessage(JSON.stringify(parsed)), apiKey);
  return new FrugalError("provider_error", `${endpoint} reported an error: ${message}`, { details: { endpoint } });
}

function parseJson(text: string, endpoint: string, what: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformedError(endpoint, what, text);
  }
  if (!isObject(parsed)) throw malformedError(endpoint, what, text);
  return parsed;
}

export interface ParsedCompletion {
  text: string;
  model: string | undefined;
  finishReason: ChatResult["finishReason"];
  usage: WireUsage | undefined;
  tokenLogprobs: number[] | undefined;
}

export function parseCompletion(body: string, endpoint: string, apiKey: string | undefined): ParsedCompletion {
  const parsed = parseJson(body, endpoint, "malformed JSON (not a chat completion)");
  const error = inBandError(parsed, endpoint, apiKey);
  if (error !== undefined) throw error;
  const choice = Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
  if (!isObject(choice) || !isObject(choice.message)) throw malformedError(endpoint, "a completion without choices[0].message", body);
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== "string") {
    throw malformedError(endpoint, "a completion whose message content is not text", body);
  }
  return {
    text: content ?? "",
    model: typeof parsed.model === "string" ? parsed.model : undefined,
    finishReason: finishReasonOf(choice.finish_reason),
    usage: usageOf(parsed.usage),
    tokenLogprobs: logprobsOf(choice.logprobs),
  };
}

export interface ParsedChunk {
  text: string | undefined;
  logprobs: number[] | undefined;
  finishReason: ChatResult["finishReason"] | undefined;
  usage: WireUsage | undefined;
  model: string | undefined;
}

export function parseChunk(data: string, endpoint: string, apiKey: string | undefined): ParsedChunk {
  const parsed = parseJson(data, endpoint, "a malformed SSE event (not a JSON chunk)");
  const error = inBandError(parsed, endpoint, apiKey);
  if (error !== undefined) throw error;
  if (parsed.choices !== undefined && !Array.isArray(parsed.choices)) throw malformedError(endpoint, "a malformed SSE chunk", data);
  const choice = Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
  const delta = isObject(choice) && isObject(choice.delta) ? choice.delta : undefined;
  const content = delta?.content;
  return {
    text: typeof content === "string" && content !== "" ? content : undefined,
    logprobs: isObject(choice) ? logprobsOf(choice.logprobs) : undefined,
    finishReason: isObject(choice) && typeof choice.finish_reason === "string" ? finishReasonOf(choice.finish_reason) : undefined,
    usage: usageOf(parsed.usage),
    model: typeof parsed.model === "string" ? parsed.model : undefined,
  };
}
