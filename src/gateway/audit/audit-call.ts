/**
 * One background audit: the kept answer's input goes to the task's LLM tier alone, budgeted like a request against the
 * caller's key (reserve the maximum, settle the real cost; no reservation, no call) and ledgered as kind `audit` under
 * the request's id: tier and model = the LLM tier, its cost, and `errorCode` null when it agreed with the compact answer,
 * `audit_disagree` when it did not, or the LLM's error code when it failed. Rate limits are not charged: an audit is the
 * operator's sampling, not the caller's traffic.
 */
import { toFrugalError } from "../../core/errors.ts";
import type { TaskOutput, Usage } from "../../core/types.ts";
import type { Counters, LedgerEntry, LedgerStore, Reservation } from "../../ledger/index.ts";
import type { Pricing } from "../pricing.ts";
import type { ServedTask } from "../task-service.ts";
import { agreementOf } from "./agreement.ts";
import type { AnsweredRequest, AuditLlm, AuditOutcome } from "./types.ts";

export interface AuditCallDeps {
  counters: Counters;
  ledger: LedgerStore;
  pricing: Pricing;
  onLedgerError: (error: unknown) => void;
}

export interface AuditCallResult {
  outcome: AuditOutcome;
  /** Per audited stream, whether the LLM agreed; undefined when the audit did not complete. */
  agreement?: Record<string, boolean>;
}

async function reserve(deps: AuditCallDeps, task: ServedTask, request: AnsweredRequest): Promise<Reservation | undefined | false> {
  const { caller } = request;
  if (caller.keyId === null || caller.record === undefined) return undefined;
  const cost = deps.pricing.taskReservation(task, request.text);
  const { budgetUsd, period } = caller.record;
  // A budgeted key cannot pay for a model without a price row (the request itself would have been refused).
  if (cost.maxCostUsd === null && budgetUsd !== undefined) return false;
  const reserved = await deps.counters.reserve({
    keyId: caller.keyId,
    maxCostUsd: cost.maxCostUsd ?? 0,
    ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    ...(period !== undefined ? { period } : {}),
  });
  return reserved.ok ? reserved.reservation : false;
}

export async function runAuditCall(
  deps: AuditCallDeps,
  input: { task: ServedTask; llm: AuditLlm; request: AnsweredRequest; compact: TaskOutput; streams: string[]; signal: AbortSignal },
): Promise<AuditCallResult> {
  const { task, llm, request, compact, streams } = input;
  const reservation = await reserve(deps, task, request);
  if (reservation === false) return { outcome: "over_budget" };
  const started = performance.now();
  const base = {
    requestId: request.requestId,
    keyId: request.caller.keyId,
    team: request.caller.team,
    kind: "audit" as const,
    target: task.name,
    tier: llm.name,
    model: llm.model ?? null,
    provider: llm.provider ?? null,
    region: llm.region ?? null,
    onPrem: llm.onPrem,
    cacheHit: false,
    escalated: false,
    pii: request.pii,
    stream: false,
  };
  let entry: LedgerEntry;
  let result: AuditCallResult;
  try {
    const answer = await llm.ask({ text: request.text, signal: input.signal, ...(compact.kind === "extract" ? { fields: streams } : {}) });
    const agreement = answer.output === null ? undefined : agreementOf(compact, answer.output, streams);
    const agreed = agreement !== undefined && Object.values(agreement).every(Boolean);
    result = agreement === undefined ? { outcome: "error" } : { outcome: agreed ? "agree" : "disagree", agreement };
    const usage = answer.usage;
    entry = {
      ...base,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      costUsd: usage.costUsd ?? 0,
      costProvenance: usage.costUsd === null ? "not_measured" : usage.costProvenance,
      energyJ: usage.energyJ,
      energyProvenance: usage.energyProvenance,
      latencyMs: performance.now() - started,
      status: 200,
      errorCode: agreement === undefined ? "audit_no_answer" : agreed ? null : "audit_disagree",
      ...(task.config.store_bodies ? { body: JSON.stringify({ input: request.text, compact, llm: answer.output, disagree: streams.filter((s) => agreement?.[s] === false) }) } : {}),
    };
  } catch (error) {
    const e = toFrugalError(error, "provider_error");
    // A tier that spent before failing (an answer that broke the output contract) says so in its error.
    const spent = e.details.usage as Partial<Usage> | undefined;
    result = { outcome: "error" };
    entry = {
      ...base,
      inputTokens: spent?.inputTokens ?? 0,
      outputTokens: spent?.outputTokens ?? 0,
      costUsd: spent?.costUsd ?? 0,
      costProvenance: typeof spent?.costUsd === "number" ? (spent.costProvenance ?? "modeled") : "measured",
      energyProvenance: "not_measured",
      latencyMs: performance.now() - started,
      status: e.status,
      errorCode: e.code,
    };
  }
  try {
    await deps.ledger.append(entry);
  } catch (error) {
    deps.onLedgerError(error);
  } finally {
    // Settle even if the ledger write failed: the money was spent either way.
    if (reservation !== undefined) await deps.counters.settle(reservation, entry.costUsd).catch(deps.onLedgerError);
  }
  return result;
}
