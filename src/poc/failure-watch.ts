/**
 * Watches a pipeline's failure rate while it runs. A pipeline whose requests fail (no answer after retries and fallbacks,
 * or timed out at the drain) measures the endpoint's outage, not the pipeline: past `failure_limit` its figures must not
 * feed a comparison or a recommendation, so the run stops instead of finishing with numbers nobody should read.
 */
import type { RequestRecord } from "./records.ts";

/** Below this many completed requests a rate is noise (one failure in 3 is 33%); the end-of-run check still applies. */
export const FAILURE_MIN_REQUESTS = 20;

export interface FailureSummary {
  failed: number;
  completed: number;
  /** failed / completed; 0 when nothing completed. */
  rate: number;
  limit: number;
  exceeded: boolean;
  /** When the limit was found passed: while running (the run stopped there) or at the end. */
  detected: "during_run" | "at_end" | null;
  by_code: Record<string, number>;
  /** The first failure's message, to say what the endpoint answered. */
  example?: string;
}

export interface FailureWatch {
  /** Counts a completed request; true the first time the limit is passed (the caller stops the run). */
  add(record: RequestRecord): boolean;
  /** The end-of-run check, and the summary. */
  finish(): FailureSummary;
}

export function failureRate(records: readonly RequestRecord[]): number {
  return records.length === 0 ? 0 : records.filter((r) => !r.ok).length / records.length;
}

export function createFailureWatch(limit: number, minRequests = FAILURE_MIN_REQUESTS): FailureWatch {
  let failed = 0;
  let completed = 0;
  let detected: FailureSummary["detected"] = null;
  let example: string | undefined;
  const byCode: Record<string, number> = {};
  const over = (): boolean => completed > 0 && failed / completed > limit;
  return {
    add(record) {
      completed++;
      if (!record.ok) {
        failed++;
        const code = record.error?.code ?? "unknown";
        byCode[code] = (byCode[code] ?? 0) + 1;
        example ??= record.error?.message;
      }
      if (detected === null && completed >= minRequests && over()) {
        detected = "during_run";
        return true;
      }
      return false;
    },
    finish() {
      if (detected === null && over()) detected = "at_end";
      return {
        failed,
        completed,
        rate: completed === 0 ? 0 : failed / completed,
        limit,
        exceeded: detected !== null,
        detected,
        by_code: { ...byCode },
        ...(example !== undefined ? { example } : {}),
      };
    },
  };
}
