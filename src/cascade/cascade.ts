/**
 * The cascade: runs a pipeline's tiers in order for one request and applies the escalation policy.
 *
 * - A cache hit answers at once. A compact answer at or above its threshold stands; below it, the request goes on.
 * - extract: escalation is per field. Only the fields below their own threshold go to the next tier, with a prompt for those
 *   fields alone carrying the extractor's top lines ± a window. Answers are merged; each field keeps the tier it came from.
 * - A rule (length, pattern, tag) sends a request straight to a given tier.
 * - A tier that throws or times out is recorded and the next one is tried (the provider has already retried with backoff);
 *   a request no tier could answer is a failed result, never an exception: one bad call must not end a benchmark.
 * - extract: when every tier after the compact one fails, the fields an earlier tier kept still stand; only the escalated
 *   ones fail (null, listed in `failedFields`), so a broken LLM answer costs its fields, not the whole document.
 * - A modeled tier (no endpoint) has no content to check, so its answer is final.
 * Every tier consulted leaves a step, with the answer it gave even when the cascade passed it by: the threshold sweep
 * replays these steps to price other thresholds without re-running anything.
 */
import { FrugalError, toFrugalError } from "../core/errors.ts";
import { extend } from "../core/objects.ts";
import type { TaskInput, TaskOutput, TaskSpec, TierKind, TierRequest, Usage } from "../core/types.ts";
import { leastFieldConfidence, type CascadeTier, type CascadeTierAnswer } from "../tiers/types.ts";
import { DEFAULT_CONTEXT, windowedContext, type ContextOptions } from "./context.ts";
import { DEFAULT_POLICY, matchRule, validatePolicy, type EscalationPolicy } from "./policy.ts";

export type StepOutcome = "hit" | "miss" | "accepted" | "escalated" | "partial" | "error" | "skipped";

export interface CascadeStep {
  tier: string;
  kind: TierKind;
  outcome: StepOutcome;
  modeled?: boolean;
  confidence?: number;
  output?: TaskOutput | null;
  fieldConfidence?: Record<string, number>;
  /** extract: the fields this tier was asked for. */
  fields?: string[];
  /** extract: the fields this tier sent on (below their threshold). */
  escalatedFields?: string[];
  usage?: Usage;
  promptTokenEstimate?: { sent: number; full: number };
  cachedFrom?: string;
  error?: { code: string; message: string };
}

export interface CascadeResult {
  /** The answer that stands (extract: merged over tiers), or null when the request failed. */
  answer: CascadeTierAnswer | null;
  /** The tier whose answer stands; extract: the last tier that contributed a field. */
  answeredBy: string | null;
  steps: CascadeStep[];
  /** A tier's answer was passed by for low confidence. */
  escalated: boolean;
  /** The rule that routed the request, if any. */
  routedBy?: string;
  /** A tier error was absorbed by trying the next tier. */
  fellBack: boolean;
  /**
   * Every tier after a low-confidence answer failed, and the answer stands only in part: `best_effort` kept the
   * low-confidence answer; an extraction under `fail` kept the fields earlier tiers were sure of, the escalated ones are
   * null and listed in `answer.failedFields` (failures for those fields, not for the whole document). Counted as a
   * failed request either way: the chain did not work as configured.
   */
  degraded: boolean;
  error?: { code: string; message: string };
}

export interface CascadeOptions {
  name: string;
  task: TaskSpec;
  tiers: CascadeTier[];
  policy?: EscalationPolicy;
  context?: ContextOptions;
}

export interface CascadeRequest {
  input: TaskInput;
  tags?: string[];
  signal?: AbortSignal;
}

export interface Cascade {
  readonly name: string;
  readonly tiers: readonly CascadeTier[];
  run(request: CascadeRequest): Promise<CascadeResult>;
}

function usageIn(value: unknown): Usage | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const u = value as Partial<Usage>;
  return typeof u.inputTokens === "number" && typeof u.latencyMs === "number" && typeof u.costProvenance === "string" ? (u as Usage) : undefined;
}

function mergeExtract(base: CascadeTierAnswer, next: CascadeTierAnswer, fields: readonly string[]): CascadeTierAnswer {
  const baseFields = base.output?.kind === "extract" ? { ...base.output.fields } : {};
  const nextFields = next.output?.kind === "extract" ? next.output.fields : {};
  const fieldSource = { ...(base.fieldSource ?? {}) };
  const fieldConfidence = { ...(base.fieldConfidence ?? {}) };
  for (const field of fields) {
    baseFields[field] = nextFields[field] ?? null;
    fieldSource[field] = next.tier;
    fieldConfidence[field] = next.fieldConfidence?.[field] ?? next.confidence;
  }
  // A modeled tier's fields have no content: they stay null and are listed as unknown, so the fields the compact tier
  // kept can still be scored.
  const unknownFields = [...(base.unknownFields ?? []), ...(next.output === null ? fields : [])];
  const merged: CascadeTierAnswer = extend(base, {
    output: base.output === null ? null : { kind: "extract" as const, fields: baseFields },
    fieldSource,
    fieldConfidence,
    confidence: leastFieldConfidence(fieldConfidence),
  });
  if (unknownFields.length > 0) merged.unknownFields = unknownFields;
  return merged;
}

/** The kept fields of an extraction stand; `failed` (escalated, no later tier answered) are null, with confidence 0. */
function withFailedFields(base: CascadeTierAnswer, failed: readonly string[]): CascadeTierAnswer {
  const fields = base.output?.kind === "extract" ? { ...base.output.fields } : {};
  const fieldConfidence = { ...(base.fieldConfidence ?? {}) };
  const fieldSource = { ...(base.fieldSource ?? {}) };
  for (const field of failed) {
    fields[field] = null;
    fieldConfidence[field] = 0;
    delete fieldSource[field];
  }
  return extend(base, {
    output: base.output === null ? null : { kind: "extract" as const, fields },
    fieldConfidence,
    fieldSource,
    confidence: leastFieldConfidence(fieldConfidence),
    failedFields: [...failed],
  });
}

/**
 * One literal of a fixed shape, its optional keys assigned after: `{ ...base, answer, … }` makes V8 build a new hidden
 * class on every call (a spread followed by a key the source lacks), which is old-space garbage on every request
 * (src/core/objects.ts). Module-level, so no closure is made per request either.
 */
function cascadeResult(steps: CascadeStep[], routedBy: string | undefined, answer: CascadeTierAnswer | null, answeredBy: string | null, flags: { escalated: boolean; fellBack: boolean; degraded: boolean }, error?: { code: string; message: string }): CascadeResult {
  const result: CascadeResult = { answeredBy, steps, degraded: flags.degraded, answer, escalated: flags.escalated, fellBack: flags.fellBack };
  if (routedBy !== undefined) result.routedBy = routedBy;
  if (error !== undefined) result.error = error;
  return result;
}

function lowFields(answer: CascadeTierAnswer, tier: CascadeTier, fields: readonly string[]): string[] {
  if (tier.fieldThresholds === undefined) return [];
  return fields.filter((f) => (answer.fieldConfidence?.[f] ?? 0) < (tier.fieldThresholds?.[f] ?? 0));
}

export function createCascade(options: CascadeOptions): Cascade {
  const { task, tiers } = options;
  const policy = options.policy ?? DEFAULT_POLICY;
  const context = options.context ?? DEFAULT_CONTEXT;
  validatePolicy(
    policy,
    tiers.map((t) => t.name),
  );

  async function callTier(tier: CascadeTier, request: CascadeRequest, fields: string[] | undefined, contextLines: Record<string, string[]> | undefined) {
    const deadline = policy.timeoutMs[tier.name];
    // A ref'd timer, not AbortSignal.timeout: that one is unref'd, so a tier waiting only on its deadline would let the
    // process exit with the request still pending. The timer is cleared as soon as the tier settles.
    const timeout = deadline === undefined ? undefined : new AbortController();
    const timer = timeout === undefined ? undefined : setTimeout(() => timeout.abort(new FrugalError("provider_timeout", `tier ${tier.name} passed its ${deadline} ms deadline`)), deadline);
    const signals = [request.signal, timeout?.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    // Built by assignment, not by spreading: see cascadeResult.
    const tierRequest: TierRequest = { task, input: request.input };
    if (fields !== undefined) tierRequest.fields = fields;
    if (contextLines !== undefined) tierRequest.contextLines = contextLines;
    if (signal !== undefined) tierRequest.signal = signal;
    try {
      return await tier.answer(tierRequest);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  async function run(request: CascadeRequest): Promise<CascadeResult> {
    const steps: CascadeStep[] = [];
    const rule = matchRule(policy.rules, request.input.text, request.tags ?? []);
    const startAt = rule === undefined ? 0 : tiers.findIndex((t) => t.name === rule.route);
    let candidate: CascadeTierAnswer | null = null;
    let pending: string[] | undefined = task.kind === "extract" ? [...(task.fields ?? [])] : undefined;
    let contextLines: Record<string, string[]> | undefined;
    let escalated = false;
    let fellBack = false;
    let lastError: { code: string; message: string } | undefined;
    const missedCaches: CascadeTier[] = [];

    for (let i = 0; i < tiers.length; i++) {
      const tier = tiers[i] as CascadeTier;
      const isLast = i === tiers.length - 1;
      if (i < startAt && tier.kind !== "cache") {
        steps.push({ tier: tier.name, kind: tier.kind, outcome: "skipped" });
        continue;
      }
      // Once a compact answer is pending escalation, later caches are not asked: their key is for the whole request.
      if (tier.kind === "cache" && candidate !== null) continue;
      const fields = candidate === null ? undefined : pending;
      let answer: CascadeTierAnswer | null;
      try {
        answer = await callTier(tier, request, fields, candidate === null ? undefined : contextLines);
      } catch (error) {
        const e = toFrugalError(error, "provider_error");
        lastError = { code: e.code, message: e.message };
        // A tier that spent something before failing (answers that broke the output contract) says so in its error.
        const spent = usageIn(e.details.usage);
        steps.push({ tier: tier.name, kind: tier.kind, outcome: "error", ...(fields !== undefined ? { fields } : {}), ...(spent !== undefined ? { usage: spent } : {}), error: lastError });
        if (request.signal?.aborted === true || !policy.fallbackOnError) break;
        fellBack = true;
        continue;
      }
      if (answer === null) {
        steps.push({ tier: tier.name, kind: tier.kind, outcome: "miss" });
        if (tier.kind === "cache") missedCaches.push(tier);
        continue;
      }
      const step: CascadeStep = {
        tier: tier.name,
        kind: tier.kind,
        outcome: "accepted",
        confidence: answer.confidence,
        output: answer.output,
        usage: answer.usage,
        ...(tier.modeled === true ? { modeled: true } : {}),
        ...(answer.fieldConfidence !== undefined ? { fieldConfidence: answer.fieldConfidence } : {}),
        ...(fields !== undefined ? { fields } : {}),
        ...(answer.promptTokenEstimate !== undefined ? { promptTokenEstimate: answer.promptTokenEstimate } : {}),
        ...(answer.cachedFrom !== undefined ? { cachedFrom: answer.cachedFrom } : {}),
      };
      steps.push(step);
      if (tier.kind === "cache") {
        step.outcome = "hit";
        return cascadeResult(steps, rule?.name, answer, tier.name, { escalated: false, fellBack, degraded: false });
      }
      const merged: CascadeTierAnswer = candidate !== null && pending !== undefined ? mergeExtract(candidate, answer, pending) : answer;
      const final = isLast || tier.modeled === true;

      if (task.kind === "extract") {
        const asked = pending ?? [];
        const low = final ? [] : lowFields(answer, tier, asked);
        candidate = merged;
        if (low.length > 0) {
          step.outcome = "partial";
          step.escalatedFields = low;
          escalated = true;
          pending = low;
          contextLines = windowedContext(request.input.text, answer.fieldLines ?? {}, low, context);
          continue;
        }
      } else if (!final && tier.threshold !== undefined && answer.confidence < tier.threshold) {
        step.outcome = "escalated";
        escalated = true;
        candidate = answer;
        continue;
      }
      for (const cache of missedCaches) await cache.remember?.({ task, input: request.input }, merged);
      return cascadeResult(steps, rule?.name, merged, tier.name, { escalated, fellBack, degraded: false });
    }

    const error = lastError ?? { code: "internal", message: `pipeline ${options.name}: no tier answered` };
    if (candidate !== null && request.signal?.aborted !== true) {
      if (policy.onExhausted === "best_effort") return cascadeResult(steps, rule?.name, candidate, candidate.tier, { escalated, fellBack, degraded: true }, error);
      if (task.kind === "extract" && pending !== undefined) {
        return cascadeResult(steps, rule?.name, withFailedFields(candidate, pending), candidate.tier, { escalated, fellBack, degraded: true }, error);
      }
    }
    return cascadeResult(steps, rule?.name, null, null, { escalated, fellBack, degraded: false }, error);
  }

  // No close(): tiers may be shared between pipelines (one provider pool, one loaded model), so whoever built them closes them.
  return { name: options.name, tiers, run };
}
