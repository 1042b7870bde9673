/**
 * Streaming chat completions: SSE `data:` chunks become typed stream parts (text deltas, logprobs, then exactly one
 * finish). Opening the stream is retried like a plain call; once a delta has been handed to the caller nothing is retried,
 * since a retry would repeat text the caller already used.
 *
 * A stream that ends without a finish_reason or `[DONE]` was cut: that is an error, never a silently short answer. A
 * schema-constrained stream whose whole text fails the schema ends with `schema_violation` instead of a finish.
 */
import { extend } from "../../core/objects.ts";
import { FrugalError } from "../../core/errors.ts";
import { cancelledError } from "../retry.ts";
import { parseSseStream, SSE_DONE, type SseEnd, type SseEvent } from "../sse.ts";
import type { ChatRequest, ChatResult, ChatUsage, StreamPart } from "../types.ts";
import { countChatTokens, countTokens } from "../../meter/token-count.ts";
import { checkStreamedAnswer } from "../schema-answer.ts";
import type { ChatClient } from "./client.ts";
import { parseChunk, parseCompletion, withSchemaInstruction, type WireUsage } from "./wire.ts";

/**
 * Usage as the server reported it, or counted with the meter's tokenizer for `model` and marked modeled when it did not
 * (exact for OpenAI models, cl100k_base as an approximation for the rest).
 */
export function resolveUsage(reported: WireUsage | undefined, request: ChatRequest, sentInstruction: boolean, text: string, model: string): ChatUsage {
  if (reported !== undefined) return extend(reported, { provenance: "measured" as const });
  const messages = sentInstruction && request.jsonSchema !== undefined ? withSchemaInstruction(request.messages, request.jsonSchema.schema) : request.messages;
  const input = countChatTokens(messages, model);
  return { inputTokens: input.tokens, outputTokens: countTokens(text, input.encoding), provenance: "modeled" };
}

export async function* streamChat(client: ChatClient, request: ChatRequest): AsyncGenerator<StreamPart> {
  if (request.signal?.aborted === true) throw cancelledError(request.signal);
  const call = client.begin(request);
  let events: AsyncGenerator<SseEvent, SseEnd> | undefined;
  try {
    const opened = await client.execute(call, request, true, async (response) => {
      // A server that ignores `stream: true` answers one JSON completion: accept it as a one-delta stream.
      const type = response.headers["content-type"];
      if (typeof type === "string" && type.includes("application/json")) {
        return { completion: parseCompletion(await response.body.text(), client.endpoint, client.apiKey), response };
      }
      return { completion: undefined, response };
    });
    const sentInstruction = opened.mode !== undefined && opened.mode !== "json_schema";
    // The end of an answer, streamed or whole: usage (reported, else counted), the abort check, then the schema check.
    const finishPart = (end: { text: string; finishReason: ChatResult["finishReason"]; usage: WireUsage | undefined; model: string | undefined }): StreamPart & { type: "finish" } => {
      const latencyMs = performance.now() - call.startedAt;
      const model = end.model ?? request.model ?? client.model;
      const usage = resolveUsage(end.usage, request, sentInstruction, end.text, model);
      if (call.signal.aborted) throw call.fail(new Error("aborted"));
      checkStreamedAnswer(request, client.endpoint, { text: end.text, finishReason: end.finishReason, usage, attempts: opened.attempts });
      return { type: "finish", finishReason: end.finishReason, usage, model, latencyMs };
    };
    const whole = opened.value.completion;
    if (whole !== undefined) {
      if (whole.text !== "") yield { type: "text-delta", text: whole.text };
      if (whole.tokenLogprobs !== undefined && whole.tokenLogprobs.length > 0) yield { type: "logprobs", values: whole.tokenLogprobs };
      yield finishPart(whole);
      return;
    }
    events = parseSseStream(opened.value.response.body);
    let finishReason: ChatResult["finishReason"] | undefined;
    let usage: WireUsage | undefined;
    let model: string | undefined;
    let done = false;
    let text = "";
    let firstTokenMs: number | undefined;

    const partsOf = (event: SseEvent): StreamPart[] => {
      if (done) return []; // anything after [DONE] is ignored
      if (event.data === SSE_DONE) {
        done = true;
        return [];
      }
      const chunk = parseChunk(event.data, client.endpoint, client.apiKey);
      if (chunk.model !== undefined) model = chunk.model;
      if (chunk.usage !== undefined) usage = chunk.usage;
      if (chunk.finishReason !== undefined) finishReason = chunk.finishReason;
      const parts: StreamPart[] = [];
      if (chunk.text !== undefined) {
        firstTokenMs ??= performance.now() - call.startedAt;
        text += chunk.text;
        parts.push({ type: "text-delta", text: chunk.text });
      }
      if (chunk.logprobs !== undefined && chunk.logprobs.length > 0) parts.push({ type: "logprobs", values: chunk.logprobs });
      return parts;
    };
    // Once the caller aborted (or the deadline passed) no further part is handed out, even if bytes are still buffered.
    const checkAborted = (): void => {
      if (call.signal.aborted) throw call.fail(new Error("aborted"));
    };

    for (;;) {
      let step: IteratorResult<SseEvent, SseEnd>;
      try {
        step = await events.next();
      } catch (error) {
        throw call.fail(error);
      }
      // Some servers omit the blank line after the last event: accept it (a line cut mid-way is still ignored).
      const event = step.done === true ? step.value.unterminated : step.value;
      for (const part of event === undefined ? [] : partsOf(event)) {
        checkAborted();
        yield part;
      }
      if (step.done === true) break;
    }
    if (!done && finishReason === undefined) {
      throw new FrugalError("provider_error", `${client.endpoint} ended the stream before a finish_reason or [DONE]: the answer is truncated`, {
        details: { endpoint: client.endpoint, malformed: "truncated stream", receivedChars: text.length },
      });
    }
    const finish = finishPart({ text, finishReason: finishReason ?? "unknown", usage, model });
    if (firstTokenMs !== undefined) finish.firstTokenMs = firstTokenMs;
    yield finish;
  } catch (error) {
    throw call.fail(error);
  } finally {
    call.end();
    // When the consumer stops early (break, throw) the body is still open: release it so the socket is freed.
    if (events !== undefined) await events.return({ unterminated: undefined, partialLine: "" }).catch(() => undefined);
  }
}
