/**
 * The audit and drift-guard series on the gateway's /metrics registry. Gauges are read from the guards when Prometheus
 * scrapes (collect), not pushed per audit, so the request path never touches them; only the outcome counter is
 * incremented as audits finish. `field` is empty for a classify task's label.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { LABEL_STREAM } from "./agreement.ts";
import { raisedThresholdOf, type TaskAuditState } from "./state.ts";
import type { AuditOutcome } from "./types.ts";

export interface AuditMetrics {
  outcome(task: string, outcome: AuditOutcome, n: number): void;
}

type Snapshot = () => ReadonlyArray<readonly [string, TaskAuditState]>;

export function createAuditMetrics(registry: Registry, snapshot: Snapshot): AuditMetrics {
  const audits = new Counter({ name: "frugal_audits_total", help: "Audits of kept compact answers by the LLM tier, by outcome", labelNames: ["task", "outcome"], registers: [registry] });
  const labels = ["task", "field"] as const;
  // One collect per gauge: each walks every guard (a handful per task) when scraped.
  const gauge = (name: string, help: string, read: (state: TaskAuditState, stream: string) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const [task, state] of snapshot()) {
          for (const stream of state.guards.keys()) {
            const value = read(state, stream);
            if (value !== null) this.set({ task, field: stream === LABEL_STREAM ? "" : stream }, value);
          }
        }
      },
    });
  const stats = (state: TaskAuditState, stream: string) => state.guards.get(stream)?.state().stats;
  gauge("frugal_audit_kept_error", "Disagreement rate of audited kept answers over the audit window (since the last trip when tripped)", (s, f) => stats(s, f)?.estimate ?? null);
  gauge("frugal_audit_kept_error_upper", "One-sided 95% Clopper-Pearson upper bound of the kept error", (s, f) => stats(s, f)?.upper ?? null);
  gauge("frugal_audit_kept_error_lower", "One-sided 95% Clopper-Pearson lower bound of the kept error", (s, f) => stats(s, f)?.lower ?? null);
  gauge("frugal_audit_window_audits", "Audits in the window the estimate reads", (s, f) => stats(s, f)?.n ?? null);
  gauge("frugal_drift_guard_tripped", "1 while the drift guard serves a raised threshold (or escalates everything)", (s, f) => (raisedThresholdOf(s, f) === undefined ? 0 : 1));
  gauge("frugal_served_threshold", "Confidence threshold the compact tier is served at (+Inf: every answer escalates)", (s, f) => raisedThresholdOf(s, f) ?? s.keeper.thresholds[f] ?? null);
  return {
    outcome(task, outcome, n) {
      audits.inc({ task, outcome }, n);
    },
  };
}
