/**
 * What results.json says about the run itself, beside its figures: whether a pipeline failed past `failure_limit` (then no
 * comparison nor recommendation stands), why a report is partial (the note names what happened, and only that), what the
 * warm-up cost and that it is in no figure, requests timed out at the drain, and — with repeated traffic — the cache's
 * saving apart from the compact tier's.
 */
import type { Figure } from "../core/provenance.ts";
import type { AbortedRun, CacheAttribution, PocResults, PocResultsExtras, WarmupSection } from "../results/types.ts";
import type { PocConfig } from "./config.ts";
import type { FailureSummary } from "./failure-watch.ts";
import type { CacheReference } from "./reference-pipeline.ts";
import type { PipelineRun } from "./run-pipeline.ts";

const pct = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export function abortedRun(pipeline: string, f: FailureSummary): AbortedRun {
  const codes = Object.entries(f.by_code)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${n} ${code}`)
    .join(", ");
  const when = f.detected === "during_run" ? "the run stopped there" : "found when the pipeline finished";
  return {
    reason: `pipeline ${pipeline} failed ${f.failed} of ${f.completed} requests (${pct(f.rate)}), above failure_limit ${pct(f.limit)} (${when}): ${codes}${f.example !== undefined ? `; first: ${f.example}` : ""}`,
    pipeline,
    failure_rate: f.rate,
    failed: f.failed,
    completed: f.completed,
    failure_limit: f.limit,
    detected: f.detected ?? "at_end",
    by_code: f.by_code,
    ...(f.example !== undefined ? { example: f.example } : {}),
  };
}

export interface PartialState {
  aborted: AbortedRun | undefined;
  interruptedByUser: boolean;
  /** Pipelines that recorded fewer requests than planned, with how many. */
  short: Array<{ name: string; recorded: number }>;
  count: number;
}

/** Why the report is partial, in the words of what happened (undefined: it is not). */
export function partialNote(s: PartialState): string | undefined {
  if (s.aborted !== undefined) {
    return `stopped on failures: ${s.aborted.reason}. Figures cover the requests recorded; later pipelines did not run; no comparison or recommendation is made. Fix the endpoint and rerun the same command: the failed requests are measured again.`;
  }
  if (s.interruptedByUser) {
    const recorded = s.short.map((p) => `${p.name} ${p.recorded} of ${s.count}`).join(", ");
    return `interrupted (Ctrl-C): figures cover the requests recorded so far${recorded === "" ? "" : ` (${recorded})`}; rerun the same command to resume`;
  }
  if (s.short.length > 0) return `incomplete: ${s.short.map((p) => `${p.name} recorded ${p.recorded} of ${s.count} requests`).join(", ")}; rerun the same command to resume`;
  return undefined;
}

export function warmupSection(config: PocConfig, runs: ReadonlyMap<string, PipelineRun>): WarmupSection | undefined {
  if (config.load.warmup === 0) return undefined;
  const cost = Object.fromEntries([...runs.entries()].map(([name, run]) => [name, run.warmupCost?.cost_usd ?? (run.warmupCost === null ? 0 : null)]));
  return {
    requests_per_pipeline: config.load.warmup,
    policy: "excluded",
    cost_usd_by_pipeline: cost,
    note: `${config.load.warmup} warm-up requests were sent to every pipeline alike (the same items) and are excluded from every figure, cost included; what they cost (modeled prices) is listed here, apart. A pipeline resumed from the results file sent none (0).`,
  };
}

/** Sentences about the run the report prints as they are (requests timed out at the drain, failed records re-measured). */
export function runNotes(config: PocConfig, runs: ReadonlyMap<string, PipelineRun>): string[] {
  const notes: string[] = [];
  for (const [name, run] of runs) {
    if (run.timedOutAtDrain > 0) {
      notes.push(
        `${name}: ${run.timedOutAtDrain} requests were still in flight when load.drain_ms (${config.load.drain_ms} ms) passed after the schedule: counted as failed (timed out), with the time waited as their latency (a lower bound), in P95/P99 and the SLO.`,
      );
    }
    if (run.remeasured > 0) notes.push(`${name}: ${run.remeasured} requests that failed in an earlier run stopped by failure_limit were measured again.`);
  }
  return notes;
}

/** A pipeline past the limit makes every comparison and recommendation that involves it untrustworthy: none is given. */
export function withholdVerdicts(results: PocResults & PocResultsExtras, aborted: AbortedRun): void {
  results.recommendation = {
    threshold: null,
    basis: "none",
    withheld: true,
    reason: `withheld: ${aborted.reason}`,
    quality_target: results.quality_target ?? null,
  };
  delete results.comparison;
  delete results.cache_attribution;
}

export function cacheAttribution(results: PocResults, reference: CacheReference, repeat: NonNullable<PocConfig["load"]["repeat"]>): CacheAttribution | undefined {
  const cost = (name: string): number | null => (results.pipelines.find((p) => p.name === name)?.metrics.cost_per_request_usd as Figure | undefined)?.value ?? null;
  const baseline = cost(reference.baseline);
  const withCache = cost(reference.name);
  const chain = cost(reference.chain);
  if (results.pipelines.find((p) => p.name === reference.name) === undefined) return undefined;
  const minus = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a - b);
  return {
    baseline: reference.baseline,
    baseline_with_cache: reference.name,
    chain: reference.chain,
    cost_per_request_usd: { baseline, baseline_with_cache: withCache, chain },
    saved_by_cache_usd_per_request: minus(baseline, withCache),
    saved_by_compact_usd_per_request: minus(withCache, chain),
    repeat: { ...repeat },
    provenance: "modeled",
    note: `${reference.name} is ${reference.baseline} behind the same ${reference.cacheTier} tier, on the same repeated request stream: ${reference.baseline} → ${reference.name} is what the cache saves, ${reference.name} → ${reference.chain} what the compact tier saves (modeled prices × usage)`,
  };
}
