/**
 * `GET /admin/status`: per task, the threshold served and the certified one, the guard's state, and the kept-error
 * estimate with its one-sided 95% bounds over the audit window. Thresholds of +Infinity (every answer escalates) are null.
 */
import type { TaskService } from "../task-service.ts";
import { LABEL_STREAM } from "./agreement.ts";
import { raisedThresholdOf, type TaskAuditState } from "./state.ts";
import { auditRate } from "./config.ts";
import { AUDIT_OUTCOMES, type AdminStatus, type AuditOutcome, type StreamStatus, type TaskAuditStatus } from "./types.ts";

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

export function statusOf(tasks: TaskService, states: ReadonlyMap<string, TaskAuditState>, outcomes: ReadonlyMap<string, Record<AuditOutcome, number>>): AdminStatus {
  const out: TaskAuditStatus[] = [];
  for (const name of tasks.names()) {
    const task = tasks.get(name);
    if (task === undefined) continue;
    const keeper = task.keeper;
    const config = task.config.audit;
    // The state of the model served now; an older model's state is not this task's status.
    const state = states.get(name)?.keeper.model === keeper?.model ? states.get(name) : undefined;
    const epsilon = config?.epsilon ?? keeper?.maxError;
    const streams: StreamStatus[] = Object.entries(keeper?.thresholds ?? {}).map(([stream, certified]) => {
      const guard = state?.guards.get(stream)?.state();
      const served = (state === undefined ? undefined : raisedThresholdOf(state, stream)) ?? certified;
      return {
        field: stream === LABEL_STREAM ? null : stream,
        certified_threshold: finite(certified),
        served_threshold: finite(served),
        guard: guard === undefined ? (config === undefined ? "off" : "clear") : guard.tripped ? "tripped" : "clear",
        since: guard?.since ?? null,
        audits: guard?.stats.n ?? 0,
        disagreements: guard?.stats.errors ?? 0,
        kept_error: guard?.stats.estimate ?? null,
        kept_error_lower: guard?.stats.lower ?? 0,
        kept_error_upper: guard?.stats.upper ?? 1,
      };
    });
    out.push({
      task: name,
      kind: task.spec.kind === "extract" ? "extract" : "classify",
      model: keeper?.model ?? null,
      audit:
        config === undefined
          ? null
          : {
              rate: config.rate,
              tripped_rate: auditRate(config, true),
              epsilon: epsilon ?? null,
              epsilon_from: config.epsilon !== undefined ? "config" : keeper?.maxError !== undefined ? "model" : null,
              action: config.action,
              window: config.window,
              min_samples: config.min_samples,
              llm_tier: task.auditLlm?.name ?? null,
            },
      streams,
      outcomes: outcomes.get(name) ?? (Object.fromEntries(AUDIT_OUTCOMES.map((o) => [o, 0])) as Record<AuditOutcome, number>),
    });
  }
  return { generated_at: new Date().toISOString(), tasks: out };
}
