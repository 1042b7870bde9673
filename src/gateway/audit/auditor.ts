/**
 * Audit sampling and the drift guard of a gateway (one auditor per gateway, state per task and served model version).
 *
 * After a task request's ledger row is written, callTask hands the answer over. When the compact tier's answer is one the
 * certificate keeps (confidence ≥ the model's threshold, per field for extract), it is sampled with probability `rate`
 * (seeded draws, one per such request): a kept answer is then sent to the task's LLM tier in the background (after the
 * response, at most `max_in_flight` at once per task, else dropped), budgeted and ledgered (audit-call.ts). While a guard
 * is tripped the rate rises (`tripped_rate`), and the answers the raised threshold escalated are audits too, for free:
 * the LLM already answered them. Either way the sample stays uniform over what the certified threshold would keep.
 *
 * Guard state belongs to a model version: when the task serves another model (a promotion), its guards start clear with
 * an empty window (the old model's audits say nothing about the new one) and the change is an event row when a guard was
 * tripped. `reset(task)` does the same on demand. State is in memory: a restarted gateway starts clear.
 */
import { FrugalError } from "../../core/errors.ts";
import type { Counters, LedgerStore } from "../../ledger/index.ts";
import type { GatewayLog } from "../context.ts";
import type { Pricing } from "../pricing.ts";
import type { ServedTask, TaskService } from "../task-service.ts";
import { LABEL_STREAM } from "./agreement.ts";
import { runAuditCall } from "./audit-call.ts";
import { createAuditMetrics } from "./audit-metrics.ts";
import { auditRate } from "./config.ts";
import type { GuardTransition } from "./drift-guard.ts";
import { guardEventEntry, guardEventFields } from "./guard-event.ts";
import { planAudit } from "./plan.ts";
import { anyTripped, createTaskAuditState, raisedThresholdOf, type TaskAuditState } from "./state.ts";
import { statusOf } from "./status.ts";
import type { Registry } from "prom-client";
import { AUDIT_OUTCOMES, type AdminStatus, type AnsweredRequest, type AuditOutcome } from "./types.ts";

export interface AuditorOptions {
  counters: Counters;
  ledger: LedgerStore;
  pricing: Pricing;
  log: GatewayLog;
  registry: Registry;
}

export interface Auditor {
  /** At start: an audited task needs a compact tier and a known ε (config_invalid otherwise); no LLM tier is a warning. */
  check(tasks: TaskService): void;
  /** Samples, and audits in the background; never throws, never waits. */
  afterAnswer(task: ServedTask, request: AnsweredRequest): void;
  /** The threshold a tripped guard serves for this model version and stream; undefined: the model's own. */
  servedThreshold(request: { task: string; model: string; stream: string }): number | undefined;
  /** A part of the exact-cache key while a guard of the task is tripped: answers cached before the trip are not served. */
  cacheScope(task: string): string | undefined;
  status(tasks: TaskService): AdminStatus;
  /** Every guard of the task back to the certified threshold, with an empty window (after a recalibration). */
  reset(task: string, reason?: string): Promise<void>;
  /** Resolves when no background audit is running (tests, drain). */
  idle(): Promise<void>;
  /** Stops sampling, aborts the audits in flight and waits for them. */
  close(): Promise<void>;
}

export function createAuditor(options: AuditorOptions): Auditor {
  const { log } = options;
  const states = new Map<string, TaskAuditState>();
  const outcomes = new Map<string, Record<AuditOutcome, number>>();
  const jobs = new Set<Promise<void>>();
  const abort = new AbortController();
  const metrics = createAuditMetrics(options.registry, () => [...states.entries()]);
  let closed = false;

  /** Background work (audits, event rows) that idle() and close() wait for. */
  const track = (job: Promise<void>): void => {
    jobs.add(job);
    void job.finally(() => jobs.delete(job));
  };

  const count = (task: string, outcome: AuditOutcome, n = 1): void => {
    let byOutcome = outcomes.get(task);
    if (byOutcome === undefined) outcomes.set(task, (byOutcome = Object.fromEntries(AUDIT_OUTCOMES.map((o) => [o, 0])) as Record<AuditOutcome, number>));
    byOutcome[outcome] += n;
    metrics.outcome(task, outcome, n);
  };

  const record = (task: string, state: TaskAuditState, stream: string, transition: GuardTransition): void => {
    const event = { task, tier: state.keeper.tier, model: state.keeper.model, field: stream === LABEL_STREAM ? null : stream, epsilon: state.epsilon, action: state.config.action, transition };
    log.warn(`drift guard ${transition.kind}`, guardEventFields(event));
    track(options.ledger.append(guardEventEntry(event)).then(
      () => undefined,
      (error: unknown) => log.error("ledger write failed", { error: String(error) }),
    ));
  };

  const resetState = (task: string, state: TaskAuditState, reason: string): void => {
    for (const [stream, guard] of state.guards) {
      const transition = guard.reset(reason);
      if (transition !== undefined) record(task, state, stream, transition);
    }
  };

  /** The task's state for the model it serves now; a new model version starts clear. */
  const stateOf = (task: ServedTask): TaskAuditState | undefined => {
    const config = task.config.audit;
    const keeper = task.keeper;
    if (config === undefined || keeper === undefined) return undefined;
    const current = states.get(task.name);
    if (current !== undefined && current.keeper.model === keeper.model) return current;
    if (current !== undefined) resetState(task.name, current, `the task now serves model ${keeper.model} (was ${current.keeper.model})`);
    const epsilon = config.epsilon ?? keeper.maxError;
    if (epsilon === undefined) return undefined;
    const state = createTaskAuditState(config, keeper, epsilon);
    states.set(task.name, state);
    return state;
  };

  const observe = (task: string, state: TaskAuditState, confidences: Record<string, number>, agreement: Record<string, boolean>): void => {
    for (const [stream, agree] of Object.entries(agreement)) {
      const transition = state.guards.get(stream)?.observe({ confidence: confidences[stream] ?? 0, agree });
      if (transition !== undefined) record(task, state, stream, transition);
    }
  };

  return {
    check(tasks) {
      tasks.names().forEach((name, i) => {
        const task = tasks.get(name);
        const config = task?.config.audit;
        if (task === undefined || config === undefined) return;
        if (task.keeper === undefined) throw new FrugalError("config_invalid", `tasks[${i}].audit: task ${name} has no compact tier, so no kept answer to audit`);
        if (config.epsilon === undefined && task.keeper.maxError === undefined) {
          throw new FrugalError("config_invalid", `tasks[${i}].audit.epsilon: the compact model of task ${name} records no certified ε; set the ε its answers are held to`);
        }
        if (task.auditLlm === undefined) log.warn("audits are off: the task has no LLM tier with an endpoint", { task: name });
      });
    },
    afterAnswer(task, request) {
      if (closed) return;
      const state = stateOf(task);
      if (state === undefined) return;
      const plan = planAudit(state.keeper, request);
      if (plan === undefined) return;
      if (state.rng() >= auditRate(state.config, anyTripped(state))) return;
      // Escalated by a raised threshold: the LLM already answered, the audit is free.
      if (plan.free !== undefined) {
        const agreed = Object.values(plan.free).every(Boolean);
        count(task.name, agreed ? "agree" : "disagree");
        observe(task.name, state, plan.confidences, plan.free);
      }
      if (plan.kept.length === 0 || request.compact === undefined) return;
      const llm = task.auditLlm;
      if (llm === undefined || (request.localOnly && !llm.onPrem)) return count(task.name, "unavailable");
      if (state.inFlight >= state.config.max_in_flight) return count(task.name, "dropped");
      state.inFlight++;
      const compact = request.compact.output;
      const job = (async () => {
        // After the response: the answer's own writes go first.
        await new Promise((resolve) => setImmediate(resolve));
        try {
          const result = await runAuditCall(
            { counters: options.counters, ledger: options.ledger, pricing: options.pricing, onLedgerError: (error) => log.error("ledger write failed", { error: String(error) }) },
            { task, llm, request, compact, streams: plan.kept, signal: abort.signal },
          );
          count(task.name, result.outcome);
          // A guard reset (promotion) while the call ran: the audit was of the old model.
          if (result.agreement !== undefined && states.get(task.name) === state) observe(task.name, state, plan.confidences, result.agreement);
        } catch (error) {
          count(task.name, "error");
          log.error("audit failed", { task: task.name, error: String(error) });
        } finally {
          state.inFlight--;
        }
      })();
      track(job);
    },
    servedThreshold({ task, model, stream }) {
      const state = states.get(task);
      return state === undefined || state.keeper.model !== model ? undefined : raisedThresholdOf(state, stream);
    },
    cacheScope(task) {
      const state = states.get(task);
      if (state === undefined || !anyTripped(state)) return undefined;
      return [...state.guards.keys()].map((stream) => `${stream}=${raisedThresholdOf(state, stream) ?? "-"}`).join(",");
    },
    status(tasks) {
      return statusOf(tasks, states, outcomes);
    },
    async reset(task, reason = "reset by an operator") {
      const state = states.get(task);
      if (state !== undefined) resetState(task, state, reason);
    },
    async idle() {
      while (jobs.size > 0) await Promise.allSettled([...jobs]);
    },
    async close() {
      closed = true;
      abort.abort();
      while (jobs.size > 0) await Promise.allSettled([...jobs]);
    },
  };
}
