/**
 * The llm tier: a Provider (an OpenAI-compatible endpoint, a local GGUF model) behind the task's prompt template. It renders
 * the prompt, reads the label or the fields from the answer (asking once more when the answer fails the output contract),
 * and prices the tokens the provider returned.
 *
 * With no provider it is *modeled*: the prompt is rendered and counted with a tokenizer, latency and energy come from an
 * LlmEstimator (the planner), cost from the price catalog, and the answer has no content (`output: null`), so quality
 * downstream is `not_measured`. It never sleeps to imitate a latency: the modeled latency is a number with provenance
 * `modeled`, not a measured wait.
 */
import { FrugalError, toFrugalError } from "../core/errors.ts";
import type { TaskOutput, TierRequest, Usage } from "../core/types.ts";
import type { ChatResult, ChatUsage, Provider } from "../providers/types.ts";
import { parseLabel } from "./parse-label.ts";
import { classificationSchema, extractionSchema, parseFields, renderPrompt } from "./prompt.ts";
import type { CascadeTier, CascadeTierAnswer, LlmEstimator, TierMeter } from "./types.ts";

export interface LlmTierOptions {
  name: string;
  /** The model name the price catalog and the planner know it by. */
  model: string;
  meter: TierMeter;
  /** Absent: the tier is modeled. */
  provider?: Provider;
  /** Required when modeled: where latency and energy come from. */
  estimator?: LlmEstimator;
  maxTokens?: number;
  temperature?: number;
  timeoutMs?: number;
  /** classify: constrain the answer with a JSON schema (servers that support response_format). Extract always does. */
  jsonSchema?: boolean;
  /** How many times an answer that fails the output contract is asked again (default 1). */
  schemaRetries?: number;
  /** tokens: price by the catalog's $/token; compute: by measured compute time at $/core-hour (local GGUF on CPU). */
  pricing?: "tokens" | "compute";
  /** Modeled tiers: the output length assumed, in tokens. Default: the labels' mean length + 1, or 12 per field + 2. */
  modeledOutputTokens?: number;
}

export function createLlmTier(options: LlmTierOptions): CascadeTier {
  const { name, model, meter, provider } = options;
  if (model.trim() === "") throw new FrugalError("config_invalid", `tier ${name}: an llm tier needs a model name`);
  if (provider === undefined && options.estimator === undefined) {
    throw new FrugalError("config_invalid", `tier ${name}: a modeled llm tier (no endpoint) needs a latency/energy profile`);
  }
  const schemaRetries = options.schemaRetries ?? 1;
  const pricing = options.pricing ?? "tokens";
  const description = {
    kind: "llm",
    model,
    provider: provider?.id ?? "modeled",
    maxTokens: options.maxTokens,
    temperature: options.temperature ?? 0,
    jsonSchema: options.jsonSchema ?? false,
  };

  // Token counts of the prompt minus its text, per task and field set: the template (with 77 labels, hundreds of tokens)
  // is the same on every request, and a BPE tokenizer costs milliseconds per call — time a modeled tier must not add to
  // the latency measured around it. Counting template and text apart is exact up to a token at the seam.
  const templateTokens = new Map<string, number>();
  function promptTokens(request: TierRequest, fields: readonly string[] | undefined, text: string): number {
    const key = `${request.task.name}\u0000${request.task.kind}\u0000${(fields ?? []).join(",")}`;
    let base = templateTokens.get(key);
    if (base === undefined) {
      base = meter.countTokens(renderPrompt(request.task, { text: "", ...(fields !== undefined ? { fields } : {}) }).prompt);
      if (templateTokens.size < 1000) templateTokens.set(key, base);
    }
    return base + meter.countTokens(text);
  }

  // The labels' mean token length + 1 (the end token): a modeled classification answer is one label.
  const labelTokens = new Map<string, number>();
  function meanLabelTokens(taskName: string, labels: readonly string[]): number {
    const key = `${taskName}\u0000${labels.length}`;
    let n = labelTokens.get(key);
    if (n === undefined) {
      n = Math.ceil(labels.reduce((acc, l) => acc + meter.countTokens(l), 0) / Math.max(1, labels.length)) + 1;
      if (labelTokens.size < 1000) labelTokens.set(key, n);
    }
    return n;
  }

  /** `sent`: the sent prompt's token count when the caller has it already (the tokenizer is not cheap). */
  function fullPromptEstimate(request: TierRequest, sentText: string, sentTokens?: number): CascadeTierAnswer["promptTokenEstimate"] {
    if (request.task.kind !== "extract") return undefined;
    const sent = sentTokens ?? promptTokens(request, request.fields ?? request.task.fields, sentText);
    const full = sentText === request.input.text && request.fields === undefined ? sent : promptTokens(request, request.task.fields, request.input.text);
    return { sent, full };
  }

  function modeledAnswer(request: TierRequest, sentText: string): CascadeTierAnswer {
    const estimator = options.estimator as LlmEstimator;
    const fields = request.fields ?? request.task.fields ?? [];
    const labels = request.task.labels ?? [];
    const outputTokens = options.modeledOutputTokens ?? (request.task.kind === "extract" ? 12 * fields.length + 2 : meanLabelTokens(request.task.name, labels));
    const inputTokens = promptTokens(request, request.fields ?? request.task.fields, sentText);
    const estimate = estimator.estimate({ inputTokens, outputTokens });
    const cost = meter.costOfTokens(model, inputTokens, outputTokens);
    const energy = estimate.energyJ !== null ? { value: estimate.energyJ, provenance: "modeled" as const } : meter.energyOfTokens(model, inputTokens, outputTokens);
    const usage: Usage = {
      inputTokens,
      outputTokens,
      tokenProvenance: "modeled",
      latencyMs: estimate.latencyMs,
      latencyProvenance: "modeled",
      costUsd: cost.value,
      costProvenance: "modeled",
      energyJ: energy.value,
      energyProvenance: "modeled",
    };
    const answer: CascadeTierAnswer = { tier: name, tierKind: "llm", model, output: null, confidence: 1, usage, parse: "modeled" };
    const estimateTokens = fullPromptEstimate(request, sentText, inputTokens);
    if (estimateTokens !== undefined) answer.promptTokenEstimate = estimateTokens;
    return answer;
  }

  function read(request: TierRequest, text: string): { output: TaskOutput; confidence: number; parse: string } | null {
    if (request.task.kind === "classify") {
      const parsed = parseLabel(text, request.task.labels ?? []);
      return parsed === null ? null : { output: { kind: "classify", label: parsed.label }, confidence: parsed.parseConfidence, parse: parsed.method };
    }
    if (request.task.kind === "extract") {
      const fields = parseFields(text, request.fields ?? request.task.fields ?? []);
      return fields === null ? null : { output: { kind: "extract", fields }, confidence: 1, parse: "json" };
    }
    return { output: { kind: "chat", text }, confidence: 1, parse: "text" };
  }

  async function measuredAnswer(request: TierRequest, prompt: string, sentText: string, live: Provider): Promise<CascadeTierAnswer> {
    const started = performance.now();
    const fields = request.fields ?? request.task.fields ?? [];
    const jsonSchema =
      request.task.kind === "extract" ? extractionSchema(fields) : options.jsonSchema === true ? classificationSchema(request.task.labels ?? []) : undefined;
    let inputTokens = 0;
    let outputTokens = 0;
    let tokenProvenance: Usage["tokenProvenance"] = "measured";
    let computeMs = 0;
    let last: ChatResult | undefined;
    // What every attempt so far used and cost: an answer's usage, or a failure's (the attempts were billed either way).
    const usageSoFar = (): Usage => {
      const cost = pricing === "compute" ? meter.costOfCpu(computeMs) : meter.costOfTokens(model, inputTokens, outputTokens);
      const energy = pricing === "compute" ? meter.energyOfCpu(computeMs) : meter.energyOfTokens(model, inputTokens, outputTokens);
      return {
        inputTokens,
        outputTokens,
        tokenProvenance,
        latencyMs: performance.now() - started,
        latencyProvenance: "measured",
        ...(computeMs > 0 ? { cpuMs: computeMs } : {}),
        costUsd: cost.value,
        costProvenance: tokenProvenance === "measured" ? cost.provenance : "modeled",
        energyJ: energy.value,
        energyProvenance: energy.provenance,
      };
    };
    // A failed call still spent tokens: those of earlier attempts here, and those a provider reports on an error it raised
    // after its own re-ask (schema_violation, `details.usage`). The error leaves with the total, as a tier usage the
    // cascade bills, so a failed request is not recorded as free.
    const withUsageSoFar = (failure: FrugalError): FrugalError => {
      const spent = failure.details.usage as Partial<ChatUsage> | undefined;
      if (typeof spent?.inputTokens === "number" && typeof spent.outputTokens === "number") {
        inputTokens += spent.inputTokens;
        outputTokens += spent.outputTokens;
        if (spent.provenance !== undefined && spent.provenance !== "measured") tokenProvenance = spent.provenance;
        if (typeof failure.details.computeMs === "number") computeMs += failure.details.computeMs;
      }
      if (inputTokens + outputTokens > 0) failure.details.usage = usageSoFar();
      return failure;
    };
    for (let attempt = 0; attempt <= schemaRetries; attempt++) {
      let result: ChatResult;
      try {
        result = await live.chat({
          messages: [{ role: "user", content: prompt }],
          ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
          temperature: options.temperature ?? 0,
          ...(jsonSchema !== undefined ? { jsonSchema } : {}),
          ...(request.signal !== undefined ? { signal: request.signal } : {}),
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        });
      } catch (error) {
        throw withUsageSoFar(toFrugalError(error, "provider_error"));
      }
      last = result;
      // Every attempt is billed, including the answers we had to throw away.
      inputTokens += result.usage.inputTokens;
      outputTokens += result.usage.outputTokens;
      if (result.usage.provenance !== "measured") tokenProvenance = result.usage.provenance;
      computeMs += result.computeMs ?? 0;
      const parsed = read(request, result.text);
      if (parsed === null) continue;
      const logprobConfidence =
        result.tokenLogprobs !== undefined && result.tokenLogprobs.length > 0 ? Math.exp(result.tokenLogprobs.reduce((a, b) => a + b, 0)) : 1;
      const answer: CascadeTierAnswer = {
        tier: name,
        tierKind: "llm",
        model: result.model,
        output: parsed.output,
        confidence: Math.min(1, parsed.confidence * logprobConfidence),
        usage: usageSoFar(),
        parse: parsed.parse,
      };
      if (parsed.output.kind === "extract") {
        answer.fieldSource = Object.fromEntries(Object.keys(parsed.output.fields).map((f) => [f, name]));
        answer.fieldConfidence = Object.fromEntries(Object.keys(parsed.output.fields).map((f) => [f, answer.confidence]));
      }
      const estimateTokens = fullPromptEstimate(request, sentText);
      if (estimateTokens !== undefined) answer.promptTokenEstimate = estimateTokens;
      return answer;
    }
    // The attempts were billed even though none could be used: their usage travels with the error, so the failed request's
    // cost is counted rather than recorded as free.
    const usage = usageSoFar();
    throw new FrugalError(
      "schema_violation",
      `tier ${name}: the answer of ${model} did not fit the ${request.task.kind} contract after ${schemaRetries + 1} attempts: ${JSON.stringify((last?.text ?? "").slice(0, 120))}`,
      { retryable: false, details: { tier: name, usage } },
    );
  }

  return {
    name,
    kind: "llm",
    modeled: provider === undefined,
    description,
    async answer(request) {
      const promptInput = {
        text: request.input.text,
        ...(request.fields !== undefined ? { fields: request.fields } : {}),
        ...(request.contextLines !== undefined ? { contextLines: request.contextLines } : {}),
      };
      const { prompt, text } = renderPrompt(request.task, promptInput);
      return provider === undefined ? modeledAnswer(request, text) : measuredAnswer(request, prompt, text, provider);
    },
    async close() {
      await provider?.close();
    },
  };
}
