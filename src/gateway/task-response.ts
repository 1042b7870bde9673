/**
 * How a task's answer leaves the gateway. Through chat completions it is an ordinary OpenAI completion — the label
 * (classify) or a JSON object of the fields (extract) is the assistant message — plus a `frugal` object and `x-frugal-*`
 * headers saying who answered, how sure it was, and what it cost. Through `/v1/tasks/{task}` it is frugal's native shape,
 * steps included. `usage` counts the LLM tokens actually spent: a compact or cached answer spends none.
 */
import { extend } from "../core/objects.ts";
import type { SseOutgoing } from "../providers/sse.ts";
import type { TaskOutcome } from "./task-call.ts";

export function answerText(outcome: TaskOutcome): string {
  const output = outcome.output;
  if (output.kind === "classify") return output.label;
  if (output.kind === "extract") return JSON.stringify(output.fields);
  return output.text;
}

export function frugalSummary(outcome: TaskOutcome): Record<string, unknown> {
  return {
    request_id: outcome.requestId,
    task: outcome.task,
    tier: outcome.tier,
    tier_kind: outcome.tierKind,
    model: outcome.model ?? null,
    ...(outcome.modelVersion !== undefined ? { model_version: outcome.modelVersion } : {}),
    confidence: outcome.confidence,
    ...(outcome.fieldConfidence !== undefined ? { field_confidence: outcome.fieldConfidence } : {}),
    ...(outcome.fieldSource !== undefined ? { field_source: outcome.fieldSource } : {}),
    escalated: outcome.escalated,
    cache_hit: outcome.cacheHit,
    degraded: outcome.degraded,
    ...(outcome.reason !== undefined ? { degraded_reason: outcome.reason } : {}),
    cost_usd: { value: outcome.cost.value, provenance: outcome.cost.provenance },
    energy_j: { value: outcome.energy.value, provenance: outcome.energy.provenance },
    latency_ms: { value: outcome.latencyMs, provenance: "measured" },
    ...(Object.keys(outcome.pii).length > 0 ? { pii: outcome.pii } : {}),
  };
}

export function frugalHeaders(outcome: TaskOutcome): Record<string, string> {
  return {
    "x-frugal-request-id": outcome.requestId,
    "x-frugal-task": outcome.task,
    "x-frugal-tier": outcome.tier,
    ...(outcome.modelVersion !== undefined ? { "x-frugal-model-version": outcome.modelVersion } : {}),
    "x-frugal-confidence": outcome.confidence.toFixed(4),
    "x-frugal-escalated": String(outcome.escalated),
    "x-frugal-cache": outcome.cacheHit ? "hit" : "miss",
    "x-frugal-degraded": String(outcome.degraded),
    ...(outcome.cost.value !== null ? { "x-frugal-cost-usd": outcome.cost.value.toPrecision(6), "x-frugal-cost-provenance": outcome.cost.provenance } : {}),
    ...(outcome.energy.value !== null ? { "x-frugal-energy-j": outcome.energy.value.toPrecision(6), "x-frugal-energy-provenance": outcome.energy.provenance } : {}),
  };
}

function usage(outcome: TaskOutcome): Record<string, number> {
  const { inputTokens, outputTokens } = outcome.usage;
  return { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
}

const created = (): number => Math.floor(Date.now() / 1000);

export function chatCompletion(outcome: TaskOutcome): Record<string, unknown> {
  return {
    id: `chatcmpl-${outcome.requestId}`,
    object: "chat.completion",
    created: created(),
    model: outcome.task,
    choices: [{ index: 0, message: { role: "assistant", content: answerText(outcome), refusal: null }, logprobs: null, finish_reason: "stop" }],
    usage: usage(outcome),
    frugal: frugalSummary(outcome),
  };
}

/** The whole answer as OpenAI chunks: role, content, finish (with the frugal object), usage when asked, [DONE]. */
export function* chatChunks(outcome: TaskOutcome, includeUsage: boolean): Generator<SseOutgoing> {
  const id = `chatcmpl-${outcome.requestId}`;
  const at = created();
  // Each chunk a literal that starts with its keys (src/core/objects.ts says why not `{ ...base, choices }`).
  const chunk = (choices: unknown[]) => ({ id, object: "chat.completion.chunk", created: at, model: outcome.task, choices });
  yield { data: JSON.stringify(chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }])) };
  yield { data: JSON.stringify(chunk([{ index: 0, delta: { content: answerText(outcome) }, logprobs: null, finish_reason: null }])) };
  yield { data: JSON.stringify(extend(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]), { frugal: frugalSummary(outcome) })) };
  if (includeUsage) yield { data: JSON.stringify(extend(chunk([]), { usage: usage(outcome) })) };
  yield { data: "[DONE]" };
}

export function nativeAnswer(outcome: TaskOutcome): Record<string, unknown> {
  const output = outcome.output;
  return {
    ...frugalSummary(outcome),
    answer: output.kind === "classify" ? output.label : output.kind === "extract" ? output.fields : output.text,
    ...(output.kind === "extract" ? { fields: output.fields } : {}),
    usage: { input_tokens: outcome.usage.inputTokens, output_tokens: outcome.usage.outputTokens },
    steps: outcome.steps.map((s) => ({
      tier: s.tier,
      kind: s.kind,
      outcome: s.outcome,
      ...(s.confidence !== undefined ? { confidence: s.confidence } : {}),
      ...(s.escalatedFields !== undefined ? { escalated_fields: s.escalatedFields } : {}),
      ...(s.usage !== undefined ? { latency_ms: s.usage.latencyMs, cost_usd: s.usage.costUsd, cost_provenance: s.usage.costProvenance } : {}),
      ...(s.error !== undefined ? { error: s.error } : {}),
    })),
  };
}
