/**
 * Turns one cascade result and its load-generator timing into the request record written to the results file: latency
 * split into what ran here (measured from the scheduled send) and what modeled tiers contributed, totals of tokens, cost
 * and energy, the score, and a compact trace of every tier consulted.
 */
import type { Provenance } from "../core/provenance.ts";
import { toFrugalError } from "../core/errors.ts";
import type { CascadeResult, CascadeStep } from "../cascade/index.ts";
import type { PocItem } from "./dataset.ts";
import type { RequestTiming } from "./load-generator.ts";
import { RECORD_VERSION, type RequestRecord, type StepRecord } from "./records.ts";
import { scoreAnswer, type ItemScore } from "./score.ts";

function stepRecord(step: CascadeStep): StepRecord {
  const out: StepRecord = { tier: step.tier, kind: step.kind, outcome: step.outcome };
  if (step.modeled === true) out.modeled = true;
  if (step.confidence !== undefined) out.confidence = step.confidence;
  if (step.output !== undefined) out.output = step.output;
  if (step.fieldConfidence !== undefined) out.field_confidence = step.fieldConfidence;
  if (step.fields !== undefined) out.fields = step.fields;
  if (step.escalatedFields !== undefined) out.escalated_fields = step.escalatedFields;
  if (step.promptTokenEstimate !== undefined) out.prompt_tokens = step.promptTokenEstimate;
  if (step.cachedFrom !== undefined) out.cached_from = step.cachedFrom;
  if (step.error !== undefined) out.error = step.error;
  const usage = step.usage;
  if (usage !== undefined) {
    out.latency_ms = usage.latencyMs;
    out.latency_provenance = usage.latencyProvenance;
    if (usage.cpuMs !== undefined) out.cpu_ms = usage.cpuMs;
    out.tokens_in = usage.inputTokens;
    out.tokens_out = usage.outputTokens;
    out.token_provenance = usage.tokenProvenance;
    out.cost_usd = usage.costUsd;
    out.energy_j = usage.energyJ;
  }
  return out;
}

function sumOrNull(values: Array<number | null | undefined>): number | null {
  let total = 0;
  for (const v of values) {
    if (v === null) return null;
    total += v ?? 0;
  }
  return total;
}

export interface RecordContext {
  configHash: string;
  pipeline: string;
  seq: number;
  item: PocItem;
  fields: readonly string[];
}

export function recordOf(context: RecordContext, timing: RequestTiming<CascadeResult>): RequestRecord {
  const result = timing.result;
  const base = {
    v: RECORD_VERSION,
    config_hash: context.configHash,
    pipeline: context.pipeline,
    seq: context.seq,
    item: context.item.id,
    scheduled_ms: timing.scheduledMs,
    lag_ms: timing.lagMs,
  } as const;
  if (result === undefined) {
    // The cascade never throws for a tier failure; this is a bug or a cancellation, still recorded rather than lost.
    const error = toFrugalError(timing.error);
    return {
      ...base,
      ok: false,
      answered_by: null,
      confidence: null,
      output: null,
      correct: context.item.gold === null ? null : false,
      latency: { measured_ms: timing.latencyMs, modeled_ms: 0, total_ms: timing.latencyMs, provenance: "measured" },
      tokens: { input: 0, output: 0, provenance: "measured" },
      cost_usd: 0,
      energy_j: 0,
      escalated: false,
      fell_back: false,
      degraded: false,
      steps: [],
      error: { code: error.code, message: error.message },
    };
  }
  const steps = result.steps.map(stepRecord);
  const modeledMs = result.steps.reduce((acc, s) => acc + (s.usage?.latencyProvenance === "modeled" ? s.usage.latencyMs : 0), 0);
  const tokenProvenances = new Set<Provenance>(result.steps.filter((s) => s.usage !== undefined && s.usage.inputTokens + s.usage.outputTokens > 0).map((s) => s.usage?.tokenProvenance ?? "measured"));
  const answer = result.answer;
  const ok = answer !== null && !result.degraded;
  const gold = context.item.gold;
  const unknownFields = answer?.unknownFields;
  // No answer at all (the request failed): every field with gold is wrong, as an empty extraction would be.
  const score: ItemScore =
    answer !== null
      ? scoreAnswer(answer.output, gold, context.fields, unknownFields)
      : gold?.kind === "extract"
        ? scoreAnswer({ kind: "extract", fields: {} }, gold, context.fields)
        : { correct: gold === null ? null : false };
  const record: RequestRecord = {
    ...base,
    ok,
    answered_by: result.answeredBy,
    confidence: answer?.confidence ?? null,
    output: answer?.output ?? null,
    correct: score.correct,
    latency: {
      measured_ms: timing.latencyMs,
      modeled_ms: modeledMs,
      total_ms: timing.latencyMs + modeledMs,
      provenance: modeledMs > 0 ? "mixed" : "measured",
    },
    tokens: {
      input: result.steps.reduce((acc, s) => acc + (s.usage?.inputTokens ?? 0), 0),
      output: result.steps.reduce((acc, s) => acc + (s.usage?.outputTokens ?? 0), 0),
      provenance: tokenProvenances.size === 1 ? ([...tokenProvenances][0] as Provenance) : tokenProvenances.size === 0 ? "measured" : "modeled",
    },
    cost_usd: sumOrNull(result.steps.map((s) => s.usage?.costUsd)),
    energy_j: sumOrNull(result.steps.map((s) => s.usage?.energyJ)),
    escalated: result.escalated,
    fell_back: result.fellBack,
    degraded: result.degraded,
    steps,
  };
  if (score.fieldCorrect !== undefined) record.field_correct = score.fieldCorrect;
  if (answer?.fieldSource !== undefined) record.field_source = answer.fieldSource;
  if (unknownFields !== undefined && unknownFields.length > 0) record.unknown_fields = unknownFields;
  if (score.unscored !== undefined) record.unscored = score.unscored;
  else if (record.correct === null && answer !== null) record.unscored = "every field's answer is unknown (modeled tier) or has no gold";
  if (answer?.cachedFrom !== undefined) record.cached_from = answer.cachedFrom;
  if (result.routedBy !== undefined) record.routed_by = result.routedBy;
  if (result.error !== undefined) record.error = result.error;
  return record;
}
