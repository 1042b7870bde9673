/**
 * What the auditor reads of a served task (src/gateway/task-service.ts fills it), and what `GET /admin/status` and
 * `frugal status` show. Kept apart from the auditor so the task service and the CLI import types only.
 */
import type { TaskOutput } from "../../core/types.ts";
import type { CascadeTierAnswer } from "../../tiers/index.ts";
import type { Caller } from "../governance.ts";

/** The compact tier that keeps answers, as the certificate describes it. */
export interface KeeperInfo {
  /** Tier name in frugal.yaml. */
  tier: string;
  /** The served model version (file + training-data hash): guard state belongs to it. */
  model: string;
  /** Per stream ("" for a classify label, else a field), the threshold the model keeps answers at (before any raise). */
  thresholds: Readonly<Record<string, number>>;
  /** ε the model file certified its thresholds at; undefined when it does not say (tables, older files). */
  maxError: number | undefined;
}

/** The LLM tier audits ask (the task's last one: what a full escalation would end on). */
export interface AuditLlm {
  name: string;
  model: string | undefined;
  provider: string | undefined;
  region: string | undefined;
  onPrem: boolean;
  /** The tier alone on this input (extract: only these fields). Throws like a tier does. */
  ask(request: { text: string; fields?: string[]; signal?: AbortSignal }): Promise<CascadeTierAnswer>;
}

export type AuditOutcome = "agree" | "disagree" | "error" | "dropped" | "over_budget" | "unavailable";
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ["agree", "disagree", "error", "dropped", "over_budget", "unavailable"];

export interface StreamStatus {
  /** null for a classify task's label. */
  field: string | null;
  certified_threshold: number | null;
  /** null: no threshold, every answer escalates. */
  served_threshold: number | null;
  guard: "clear" | "tripped" | "off";
  since: string | null;
  /** The window's audits at the certified threshold (since the last trip, when tripped). */
  audits: number;
  disagreements: number;
  kept_error: number | null;
  kept_error_lower: number;
  kept_error_upper: number;
}

export interface TaskAuditStatus {
  task: string;
  kind: "classify" | "extract";
  model: string | null;
  audit: null | {
    rate: number;
    tripped_rate: number;
    epsilon: number | null;
    epsilon_from: "config" | "model" | null;
    action: "raise_threshold" | "escalate_all";
    window: number;
    min_samples: number;
    llm_tier: string | null;
  };
  streams: StreamStatus[];
  /** Audits by outcome since the gateway started. */
  outcomes: Record<AuditOutcome, number>;
}

export interface AdminStatus {
  generated_at: string;
  tasks: TaskAuditStatus[];
}

/** The answer the gateway gave, as callTask hands it over once the request's ledger row is written. */
export interface AnsweredRequest {
  requestId: string;
  /** Whose budget pays for the audit. */
  caller: Caller;
  /** The text the tiers saw (redacted when the PII policy redacts). */
  text: string;
  /** The request holds personal data under a local_only policy: no off-premises tier may see it. */
  localOnly: boolean;
  pii: Record<string, number>;
  /** The answer as ledgered (redacted). */
  output: TaskOutput;
  escalated: boolean;
  degraded: boolean;
  cacheHit: boolean;
  /** extract: which tier each field came from. */
  fieldSource: Record<string, string> | undefined;
  /** The compact tier's own answer, when it was consulted. */
  compact: { output: TaskOutput; confidence: number; fieldConfidence: Record<string, number> | undefined } | undefined;
}
