/**
 * The vocabulary every folder shares: a task (what must be answered, and its output contract), a tier (one way to answer
 * it), an answer with its confidence and usage. Pipelines and escalation live in src/cascade; these types carry no logic.
 */
import type { Provenance } from "./provenance.ts";

export type TaskKind = "classify" | "extract" | "chat";

export interface TaskSpec {
  name: string;
  kind: TaskKind;
  /** classify: the closed label set. */
  labels?: string[];
  /** extract: the named fields of the output. */
  fields?: string[];
  /** The prompt template LLM tiers render; `{{text}}`, `{{labels}}`, `{{fields}}` are substituted. */
  promptTemplate?: string;
}

export interface TaskInput {
  /** Stable id of a dataset item or request, used by caches, ledgers and results files. */
  id?: string;
  text: string;
}

export type TaskOutput =
  | { kind: "classify"; label: string }
  | { kind: "extract"; fields: Record<string, string | null> }
  | { kind: "chat"; text: string };

export type TierKind = "cache" | "compact" | "llm";

/** What one tier spent on one answer. Each figure says whether it was measured or modeled. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  tokenProvenance: Provenance;
  /** Wall time of this tier's work on this request. */
  latencyMs: number;
  latencyProvenance: Provenance;
  /** CPU time spent in-process (compact tiers, local GGUF), used to price self-hosted work. */
  cpuMs?: number;
  costUsd: number | null;
  costProvenance: Provenance;
  energyJ: number | null;
  energyProvenance: Provenance;
}

export interface TierAnswer {
  /** The configured tier name (e.g. "compact", "big-llm"). */
  tier: string;
  tierKind: TierKind;
  model?: string;
  /**
   * The answer, or null when the tier is modeled (no endpoint configured): its cost and latency are known from the
   * catalog but its content is not, so quality downstream is `not_measured`.
   */
  output: TaskOutput | null;
  /** Confidence in [0, 1] that `output` is right; for extract the minimum over the answered fields. */
  confidence: number;
  /** extract: per-field confidence. */
  fieldConfidence?: Record<string, number>;
  /** extract: which tier produced each field, after per-field escalation merged answers. */
  fieldSource?: Record<string, string>;
  usage: Usage;
}

export interface TierRequest {
  task: TaskSpec;
  input: TaskInput;
  /** extract: ask only for these fields (per-field escalation). Absent means all of the task's fields. */
  fields?: string[];
  /**
   * extract: the lines an earlier tier ranked most likely to hold each requested field, so an LLM prompt can carry them
   * instead of the whole document.
   */
  contextLines?: Record<string, string[]>;
  signal?: AbortSignal;
}

/** One way to answer a task. `answer` resolves to null when the tier has nothing to say (a cache miss). */
export interface Tier {
  readonly name: string;
  readonly kind: TierKind;
  answer(request: TierRequest): Promise<TierAnswer | null>;
  /** Caches learn the final answer of the pipeline; other tiers ignore it. */
  remember?(request: TierRequest, answer: TierAnswer): Promise<void>;
  close?(): Promise<void>;
}

export function zeroUsage(provenance: Provenance = "measured"): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    tokenProvenance: provenance,
    latencyMs: 0,
    latencyProvenance: provenance,
    costUsd: 0,
    costProvenance: provenance,
    energyJ: 0,
    energyProvenance: provenance,
  };
}
