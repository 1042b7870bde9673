/**
 * One record per request, appended to a JSONL results file as each request completes. The file is the run's source of
 * truth: the report is computed from it, and a rerun skips every (config hash, pipeline, request index) already in it, so
 * an interrupted PoC resumes instead of starting over. A torn last line (the process was killed mid-write) is ignored.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Provenance } from "../core/provenance.ts";
import type { TaskOutput, TierKind } from "../core/types.ts";

export const RECORD_VERSION = 1;

export interface StepRecord {
  tier: string;
  kind: TierKind;
  outcome: string;
  modeled?: boolean;
  confidence?: number;
  output?: TaskOutput | null;
  field_confidence?: Record<string, number>;
  fields?: string[];
  escalated_fields?: string[];
  latency_ms?: number;
  latency_provenance?: Provenance;
  cpu_ms?: number;
  tokens_in?: number;
  tokens_out?: number;
  token_provenance?: Provenance;
  cost_usd?: number | null;
  energy_j?: number | null;
  prompt_tokens?: { sent: number; full: number };
  cached_from?: string;
  error?: { code: string; message: string };
}

export interface RequestRecord {
  v: typeof RECORD_VERSION;
  config_hash: string;
  pipeline: string;
  /** Index of the request in the pipeline's schedule. */
  seq: number;
  item: string;
  scheduled_ms: number;
  lag_ms: number;
  ok: boolean;
  answered_by: string | null;
  cached_from?: string;
  confidence: number | null;
  output: TaskOutput | null;
  /** classify: the answer matched the gold label; null when it cannot be scored. */
  correct: boolean | null;
  /** extract: per field; null for a field that cannot be scored. */
  field_correct?: Record<string, boolean | null>;
  field_source?: Record<string, string>;
  /** extract: fields a modeled tier answered (no content: unknown, not wrong). */
  unknown_fields?: string[];
  /** Why the answer could not be scored, when it could not. */
  unscored?: string;
  latency: {
    /** From the scheduled send time to completion: everything that actually ran here. */
    measured_ms: number;
    /** Sum of the latencies of modeled tiers on this request's path (they return at once). */
    modeled_ms: number;
    total_ms: number;
    provenance: "measured" | "modeled" | "mixed";
  };
  tokens: { input: number; output: number; provenance: Provenance };
  cost_usd: number | null;
  energy_j: number | null;
  escalated: boolean;
  routed_by?: string;
  fell_back: boolean;
  degraded: boolean;
  steps: StepRecord[];
  error?: { code: string; message: string };
  /** Still in flight when the drain deadline passed: counted as failed, `latency` is the time waited (a lower bound). */
  timed_out_at_drain?: true;
}

export function recordKey(configHash: string, pipeline: string, seq: number): string {
  return `${configHash}\u0000${pipeline}\u0000${seq}`;
}

export interface ResultsFile {
  readonly path: string;
  /** Records already in the file for this config hash, by key. */
  readonly existing: Map<string, RequestRecord>;
  append(record: RequestRecord): void;
}

/**
 * Opens the results file: `fresh` deletes it first. Records of other config hashes stay in the file (a changed config is
 * measured again, the old figures are not lost) but are not loaded.
 */
export function openResultsFile(path: string, configHash: string, options: { fresh: boolean }): ResultsFile {
  mkdirSync(dirname(path), { recursive: true });
  if (options.fresh && existsSync(path)) rmSync(path);
  const existing = new Map<string, RequestRecord>();
  if (existsSync(path)) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let record: RequestRecord;
      try {
        record = JSON.parse(line) as RequestRecord;
      } catch {
        continue; // a torn line from an interrupted write
      }
      if (record.v !== RECORD_VERSION || record.config_hash !== configHash) continue;
      existing.set(recordKey(record.config_hash, record.pipeline, record.seq), record);
    }
  }
  return {
    path,
    existing,
    append(record) {
      // Synchronous append: a record is on disk before the next request's result, so Ctrl-C or a crash loses at most one.
      appendFileSync(path, `${JSON.stringify(record)}\n`);
    },
  };
}
