/**
 * One task request, the same for `POST /v1/tasks/{task}` and for a chat completion whose model is a task:
 * authorize → PII policy → budget reserve → exact cache → cascade (compact → llm tiers) → meter → ledger row + settle.
 * The outcome carries everything both response shapes show (answer, tier, confidence, steps, usage, cost and energy with
 * provenance); rendering is the caller's.
 */
import { extend } from "../core/objects.ts";
import { FrugalError } from "../core/errors.ts";
import type { Provenance } from "../core/provenance.ts";
import type { TaskOutput } from "../core/types.ts";
import type { CascadeStep } from "../cascade/index.ts";
import type { Caller, Admission } from "./governance.ts";
import type { GatewayContext } from "./context.ts";
import { requestKey } from "../cache/key.ts";
import { applyPiiToText, type PiiOutcome } from "./pii-policy.ts";
import type { ServedTask } from "./task-service.ts";
import type { AnsweredRequest } from "./audit/types.ts";

export interface PricedFigure {
  value: number | null;
  provenance: Provenance;
}

export interface TaskOutcome {
  requestId: string;
  task: string;
  kind: "classify" | "extract";
  output: TaskOutput;
  confidence: number;
  fieldConfidence?: Record<string, number>;
  fieldSource?: Record<string, string>;
  tier: string;
  tierKind: "cache" | "compact" | "llm";
  model: string | undefined;
  /** The task classifier's version that ran (registry version, or `config`); cache hits keep the one that answered. */
  modelVersion?: string;
  escalated: boolean;
  degraded: boolean;
  reason?: string;
  cacheHit: boolean;
  steps: CascadeStep[];
  usage: { inputTokens: number; outputTokens: number };
  cost: PricedFigure;
  energy: PricedFigure;
  latencyMs: number;
  pii: Record<string, number>;
}

interface Stored {
  outcome: Omit<TaskOutcome, "requestId" | "latencyMs" | "cacheHit" | "cost" | "energy" | "usage" | "pii">;
}

const RANK: Record<Provenance, number> = { measured: 0, modeled: 1, not_measured: 2 };

/** Sums the steps' figures; the sum is as weak as its weakest part, and unknown as soon as a part is. */
function sumSteps(steps: readonly CascadeStep[], pick: "cost" | "energy"): PricedFigure {
  let value: number | null = 0;
  let provenance: Provenance = "measured";
  for (const step of steps) {
    const u = step.usage;
    if (u === undefined) continue;
    const v = pick === "cost" ? u.costUsd : u.energyJ;
    const p = pick === "cost" ? u.costProvenance : u.energyProvenance;
    if (RANK[p] > RANK[provenance]) provenance = p;
    value = v === null || value === null ? null : value + v;
  }
  return { value, provenance: value === null ? "not_measured" : provenance };
}

function tokensOf(steps: readonly CascadeStep[]): { inputTokens: number; outputTokens: number } {
  let inputTokens = 0;
  let outputTokens = 0;
  for (const s of steps) {
    if (s.kind !== "llm" || s.usage === undefined) continue;
    inputTokens += s.usage.inputTokens;
    outputTokens += s.usage.outputTokens;
  }
  return { inputTokens, outputTokens };
}

function restoreOutput(output: TaskOutput, restore: (text: string) => string): TaskOutput {
  if (output.kind === "classify") return output;
  if (output.kind === "chat") return { kind: "chat", text: restore(output.text) };
  return { kind: "extract", fields: Object.fromEntries(Object.entries(output.fields).map(([k, v]) => [k, v === null ? null : restore(v)])) };
}

export interface TaskCallInput {
  ctx: GatewayContext;
  caller: Caller;
  task: ServedTask;
  text: string;
  tags?: string[];
  requestId: string;
  /** Absent for a task with no LLM tier (nothing to stop). */
  signal: AbortSignal | undefined;
  stream: boolean;
}

/**
 * A request refused after authentication, or failed before a tier spent, still gets its ledger row. A function of its
 * own, not a closure in callTask: tsx names every closure it creates (~0.8 µs each), and callTask runs per request.
 */
function recordTaskRefusal(input: TaskCallInput, started: number, counts: Record<string, number> | undefined, error: unknown): Promise<void> {
  const { ctx, caller, task, requestId } = input;
  return ctx.governance
    .recordRefusal(caller, { requestId, kind: "task", target: task.name, stream: input.stream, latencyMs: performance.now() - started, ...(counts !== undefined ? { pii: counts } : {}) }, error)
    .catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
}

export async function callTask(input: TaskCallInput): Promise<TaskOutcome> {
  const { ctx, caller, task, requestId } = input;
  const started = performance.now();
  let counts: Record<string, number> | undefined;
  let pii: PiiOutcome<string>;
  let admission: Admission;
  try {
    ctx.governance.authorize(caller, task.name);
    pii = applyPiiToText(ctx.guard, task.config.pii.policy, `task ${task.name}`, input.text);
    counts = pii.counts;
    for (const [type, n] of Object.entries(pii.counts)) ctx.metrics.pii(type, n);
    admission = await ctx.governance.admit(caller, ctx.pricing.taskReservation(task, pii.value));
  } catch (error) {
    await recordTaskRefusal(input, started, counts, error);
    throw error;
  }
  const entryBase = { requestId, keyId: caller.keyId, team: caller.team, kind: "task" as const, target: task.name, pii: pii.counts, stream: input.stream };
  let settled = false;
  try {
    // Keyed by the served model version and the drift guard's thresholds too: a promotion or a trip never replays an
    // answer the task would no longer give.
    const target = `task:${task.name}${task.compact === undefined ? "" : `@${task.compact.version}`}`;
    const scope = { tags: input.tags ?? [], guard: ctx.audits.cacheScope(task.name) };
    const cacheKey = task.cached && ctx.cache.enabled ? ctx.cache.key(caller.team, target, { text: pii.value, ...scope }) : undefined;
    // The semantic cache (tasks[].semantic_cache): the same key less the text, which the verifier compares by meaning.
    const semantic = task.config.semantic_cache === true && ctx.semanticCache !== undefined ? { scope: requestKey(caller.team, target, scope), text: pii.value } : undefined;
    const hit = (cacheKey === undefined ? undefined : await ctx.cache.get(cacheKey)) ?? (semantic === undefined ? undefined : ctx.semanticCache?.get(semantic.scope, semantic.text)?.value);
    let outcome: TaskOutcome;
    if (hit !== undefined) {
      const stored = (hit.payload as Stored).outcome;
      outcome = extend(stored, { requestId, tier: "cache", tierKind: "cache", cacheHit: true, escalated: false, usage: { inputTokens: 0, outputTokens: 0 }, cost: { value: 0, provenance: "measured" }, energy: { value: 0, provenance: "measured" }, latencyMs: 0, pii: pii.counts });
      ctx.metrics.cacheHit("task");
    } else {
      const run = await task.run({ text: pii.value, localOnly: pii.localOnly, ...(input.signal !== undefined ? { signal: input.signal } : {}), ...(input.tags !== undefined ? { tags: input.tags } : {}) });
      const { result } = run;
      const cost = sumSteps(result.steps, "cost");
      const usage = tokensOf(result.steps);
      if (result.answer === null || result.answer.output === null) {
        const error = result.error ?? { code: "internal", message: "no tier answered" };
        const failed = new FrugalError(error.code === "cancelled" ? "cancelled" : toCode(error.code), `task ${task.name}: ${error.message}`);
        settled = true;
        await ctx.governance.finish(admission, extend(entryBase, { tier: null, onPrem: false, ...usage, costUsd: cost.value ?? 0, costProvenance: cost.provenance, energyProvenance: "not_measured", latencyMs: performance.now() - started, cacheHit: false, escalated: result.escalated, status: failed.status, errorCode: failed.code }));
        throw failed;
      }
      const answer = result.answer;
      const tier = run.answeredBy;
      outcome = {
        requestId,
        task: task.name,
        kind: task.spec.kind as "classify" | "extract",
        output: answer.output!,
        confidence: answer.confidence,
        ...(answer.fieldConfidence !== undefined ? { fieldConfidence: answer.fieldConfidence } : {}),
        ...(answer.fieldSource !== undefined ? { fieldSource: answer.fieldSource } : {}),
        // extract: the merged answer keeps the compact tier's name; who answered is the last tier that gave a field.
        tier: tier?.name ?? answer.tier,
        tierKind: tier?.kind ?? answer.tierKind,
        model: tier?.model ?? answer.model,
        ...(run.modelVersion !== undefined ? { modelVersion: run.modelVersion } : {}),
        escalated: result.escalated,
        degraded: run.degraded,
        ...(run.reason !== undefined ? { reason: run.reason } : {}),
        cacheHit: false,
        steps: result.steps,
        usage,
        cost,
        energy: sumSteps(result.steps, "energy"),
        latencyMs: 0,
        pii: pii.counts,
      };
      // Unchecked (degraded) answers are not cached: once an LLM is back, the same input must get the checked answer.
      if ((cacheKey !== undefined || semantic !== undefined) && !run.degraded) {
        const { requestId: _r, latencyMs: _l, cacheHit: _c, cost: _cost, energy: _e, usage: _u, pii: _p, ...rest } = outcome;
        const entry = { payload: { outcome: rest } satisfies Stored, bytes: JSON.stringify(rest.output).length + 512 };
        if (cacheKey !== undefined) await ctx.cache.set(cacheKey, entry);
        if (semantic !== undefined) ctx.semanticCache?.set(semantic.scope, semantic.text, entry);
      }
    }
    // The ledger keeps the redacted answer (when bodies are stored); the client gets its own values back.
    const ledgerOutput = outcome.output;
    if (pii.session !== undefined) outcome.output = restoreOutput(outcome.output, (t) => pii.session!.restore(t));
    outcome.latencyMs = performance.now() - started;
    const served = task.tiers.find((t) => t.name === outcome.tier);
    ctx.metrics.answer(task.name, outcome.tier, outcome.escalated, outcome.degraded);
    ctx.metrics.cost(outcome.cost.value, outcome.cost.provenance);
    ctx.metrics.energy(outcome.energy.value, outcome.energy.provenance);
    if (outcome.usage.inputTokens + outcome.usage.outputTokens > 0) ctx.metrics.tokens(outcome.model ?? task.name, "chat", outcome.usage.inputTokens, outcome.usage.outputTokens);
    settled = true;
    // One literal with every field in a fixed order (no spreads of varying shapes): see route-call.ts.
    await ctx.governance.finish(admission, {
      requestId,
      keyId: caller.keyId,
      team: caller.team,
      kind: "task",
      target: task.name,
      tier: outcome.tier,
      model: outcome.model ?? null,
      provider: served?.provider ?? (outcome.cacheHit ? "frugal-cache" : null),
      region: served?.region ?? (outcome.cacheHit ? "in-process" : null),
      onPrem: outcome.cacheHit || (served?.onPrem ?? false),
      inputTokens: outcome.usage.inputTokens,
      outputTokens: outcome.usage.outputTokens,
      costUsd: outcome.cost.value ?? 0,
      costProvenance: outcome.cost.provenance,
      energyJ: outcome.energy.value,
      energyProvenance: outcome.energy.provenance,
      latencyMs: outcome.latencyMs,
      cacheHit: outcome.cacheHit,
      escalated: outcome.escalated,
      pii: pii.counts,
      status: 200,
      errorCode: undefined,
      stream: input.stream,
      // Opted-in bodies feed distillation (src/improve): the redacted input, the answer, and which kind of tier gave it.
      // extract: `tier_kind` is the last tier that gave a field; `field_tier_kind` says, per field, which kind of tier did,
      // so distillation learns only the fields the LLM answered.
      body: task.config.store_bodies ? JSON.stringify({ input: pii.value, output: ledgerOutput, tier_kind: outcome.tierKind, ...fieldTierKinds(task, outcome) }) : undefined,
    });
    if (task.config.audit !== undefined) ctx.audits.afterAnswer(task, answeredRequest(input, outcome, pii, ledgerOutput));
    return outcome;
  } catch (error) {
    // A failure before any tier spent (cache error, cancelled before the cascade): nothing to settle but the reservation.
    if (!settled) {
      // A release that fails (counters down) must not hide the request's own error: the reservation expires by its TTL.
      if (admission.reservation !== undefined) await ctx.counters.release(admission.reservation).catch((releaseError) => ctx.log.warn("reservation release failed", { error: String(releaseError) }));
      await recordTaskRefusal(input, started, counts, error);
    }
    throw error;
  }
}

/** Per extracted field, the kind of tier whose answer stands (cache hits keep the stored answer's). */
function fieldTierKinds(task: ServedTask, outcome: TaskOutcome): { field_tier_kind?: Record<string, string> } {
  if (outcome.fieldSource === undefined) return {};
  return { field_tier_kind: Object.fromEntries(Object.entries(outcome.fieldSource).map(([field, tier]) => [field, task.tiers.find((t) => t.name === tier)?.kind ?? tier])) };
}

/** What the auditor reads of an answer (src/gateway/audit): the redacted text and answer, and the compact tier's own. */
function answeredRequest(input: TaskCallInput, outcome: TaskOutcome, pii: PiiOutcome<string>, output: TaskOutput): AnsweredRequest {
  const step = outcome.steps.find((s) => s.kind === "compact" && s.output !== undefined && s.output !== null);
  return {
    requestId: input.requestId,
    caller: input.caller,
    text: pii.value,
    localOnly: pii.localOnly,
    pii: pii.counts,
    output,
    escalated: outcome.escalated,
    degraded: outcome.degraded,
    cacheHit: outcome.cacheHit,
    fieldSource: outcome.fieldSource,
    compact: step === undefined ? undefined : { output: step.output as TaskOutput, confidence: step.confidence ?? 0, fieldConfidence: step.fieldConfidence },
  };
}

/** A tier's error code as the family knows it; anything unknown is an upstream failure (502), never a 500. */
function toCode(code: string): "provider_error" | "provider_timeout" | "upstream_unavailable" | "rate_limited" | "schema_violation" | "internal" {
  if (code === "provider_timeout" || code === "upstream_unavailable" || code === "rate_limited" || code === "schema_violation" || code === "internal") return code;
  return "provider_error";
}
