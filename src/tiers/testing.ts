/**
 * Small fakes for tests of tiers, the cascade and the runner: a meter with round prices, a scripted provider, and compact
 * models that answer from a table. Test support only; the CLI and the runner use the real meter, providers and models.
 */
import { FrugalError } from "../core/errors.ts";
import type { CompactClassifier, CompactExtractor, FieldPrediction } from "../compact/types.ts";
import type { ChatRequest, ChatResult, Provider, StreamPart } from "../providers/types.ts";
import type { LlmEstimator, TierMeter } from "./types.ts";

/** $1 per 1M input tokens, $2 per 1M output, $0.036 per core-hour (1e-8 $/ms), 1 J per token, 0.01 J per CPU ms. */
export function fakeMeter(): TierMeter {
  return {
    costOfTokens: (_model, i, o) => ({ value: (i * 1 + o * 2) / 1e6, provenance: "modeled", source: "test catalog" }),
    energyOfTokens: (_model, i, o) => ({ value: i + o, provenance: "modeled", source: "test profile" }),
    costOfCpu: (ms) => ({ value: ms * 1e-8, provenance: "measured", source: "test $/core-hour" }),
    energyOfCpu: (ms) => ({ value: ms * 0.01, provenance: "modeled", source: "test W/core" }),
    countTokens: (text) => Math.ceil(text.length / 4),
  };
}

export function fakeEstimator(latencyMs = 400): LlmEstimator {
  return { source: "test", estimate: ({ inputTokens, outputTokens }) => ({ latencyMs, energyJ: (inputTokens + outputTokens) * 0.5, note: "test profile" }) };
}

export interface ScriptedProvider extends Provider {
  requests: ChatRequest[];
}

/** Answers each chat with `reply(request, index)`; a thrown error is the provider failing (after its own retries). */
export function scriptedProvider(reply: (request: ChatRequest, index: number) => string | Error): ScriptedProvider {
  const requests: ChatRequest[] = [];
  return {
    id: "scripted:test",
    model: "test-llm",
    requests,
    async chat(request: ChatRequest): Promise<ChatResult> {
      requests.push(request);
      const text = reply(request, requests.length - 1);
      if (text instanceof Error) throw text;
      const content = request.messages.map((m) => m.content).join("\n");
      return {
        text,
        model: "test-llm",
        finishReason: "stop",
        usage: { inputTokens: Math.ceil(content.length / 4), outputTokens: Math.ceil(text.length / 4), provenance: "measured" },
        latencyMs: 1,
        attempts: 1,
      };
    },
    // eslint-disable-next-line require-yield
    async *stream(): AsyncIterable<StreamPart> {
      throw new FrugalError("internal", "the scripted test provider does not stream");
    },
    async close() {},
  };
}

/** Answers `table[text]` ({label, confidence}); unknown texts get the first label at confidence 0.1. */
export function tableClassifier(labels: string[], table: Record<string, { label: string; confidence: number }>, threshold = 0.5): CompactClassifier {
  return {
    kind: "classify",
    labels,
    threshold,
    predict: (text) => table[text] ?? { label: labels[0] ?? "", confidence: 0.1 },
  };
}

export function tableExtractor(fields: string[], table: Record<string, Record<string, FieldPrediction>>, thresholds: Record<string, number>): CompactExtractor {
  return {
    kind: "extract",
    fields,
    thresholds,
    predict: (text) => table[text] ?? Object.fromEntries(fields.map((f) => [f, { value: null, confidence: 0, lines: [] }])),
  };
}
