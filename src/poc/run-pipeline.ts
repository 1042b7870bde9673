/**
 * Runs one pipeline under the configured load: an optional warm-up (its answers are thrown away and the pipeline's tiers
 * are rebuilt afterwards, so caches start empty; what it cost is kept apart), then the measured schedule. Every completed
 * request becomes a record, appended to the results file at once. Requests already in the results file are skipped
 * (resume).
 *
 * What happens to requests that do not complete: still in flight when `drain_ms` passes after the schedule, they are
 * recorded as failed (timed out), with the time waited as latency, so P95/P99 and the SLO count them. Cut short by
 * Ctrl-C or by the failure limit, they are not recorded, so a rerun measures them. Either way their calls are then
 * aborted (the cascade's signal), so nothing keeps waiting on an endpoint that does not answer.
 */
import { setMaxListeners } from "node:events";
import { createCascade, type CascadeResult } from "../cascade/index.ts";
import { contextOptionsOf, escalationPolicyOf } from "../pipeline/escalation.ts";
import { FrugalError, isFrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import type { CascadeTier } from "../tiers/index.ts";
import type { LoadConfig, PipelineConfig } from "./config.ts";
import type { PocItem } from "./dataset.ts";
import { createFailureWatch, failureRate, type FailureSummary } from "./failure-watch.ts";
import { runClosedLoop, runOpenLoop, type LoadRunSummary, type RequestTiming } from "./load-generator.ts";
import { recordOf } from "./record-of.ts";
import { recordKey, type RequestRecord, type ResultsFile } from "./records.ts";
import { buildSchedule, itemOrder, requestStream } from "./schedule.ts";

export interface PipelineRunOptions {
  pipeline: PipelineConfig;
  task: TaskSpec;
  fields: readonly string[];
  items: readonly PocItem[];
  load: LoadConfig;
  /** Requests in the measured run. */
  count: number;
  configHash: string;
  results: ResultsFile;
  /** Builds this pipeline's tiers; called once for the warm-up and once for the measured run. */
  buildTiers: (reachShare: (tier: string) => number) => CascadeTier[];
  signal?: AbortSignal;
  /** Drain deadline after Ctrl-C (short: the user is waiting). */
  interruptDrainMs: number;
  /** Share of failed requests that stops the run (poc.yaml `failure_limit`); default: never. */
  failureLimit?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface WarmupSummary {
  requests: number;
  completed: number;
  failed: number;
  /** What the warm-up cost (null when a tier has no price): spent, but in no figure. */
  cost_usd: number | null;
}

export interface PipelineRun {
  records: RequestRecord[];
  /** Null when every request was already in the results file. */
  load: LoadRunSummary | null;
  warmup: LoadRunSummary | null;
  warmupCost: WarmupSummary | null;
  skipped: number;
  interrupted: boolean;
  /** The failure rate over every record of the pipeline, and whether it passed the limit (the run then stopped). */
  failures: FailureSummary;
  /** Requests recorded as failed because they were still in flight at the drain deadline. */
  timedOutAtDrain: number;
  /** Previously failed records measured again because the pipeline's earlier failure rate passed the limit. */
  remeasured: number;
}

interface Drive {
  load: LoadConfig;
  count: number;
  seed: number;
  send: (index: number) => Promise<CascadeResult>;
  onComplete: (timing: RequestTiming<CascadeResult>) => void;
  skip?: (index: number) => boolean;
  signal: AbortSignal;
  interruptDrainMs: number;
}

async function drive(d: Drive): Promise<LoadRunSummary> {
  const common = { send: d.send, onComplete: d.onComplete, drainMs: d.load.drain_ms, interruptDrainMs: d.interruptDrainMs, signal: d.signal, ...(d.skip !== undefined ? { skip: d.skip } : {}) };
  if (d.load.kind === "closed") return runClosedLoop({ ...common, count: d.count, concurrency: d.load.concurrency });
  return runOpenLoop({ ...common, schedule: buildSchedule({ kind: d.load.kind, rate: d.load.rate, count: d.count, seed: d.seed }) });
}

/** A request that ended because its call was aborted (Ctrl-C, the failure limit, the drain): nothing was measured. */
function cancelled(timing: RequestTiming<CascadeResult>): boolean {
  if (timing.result === undefined) return isFrugalError(timing.error) && timing.error.code === "cancelled";
  return timing.result.answer === null && timing.result.error?.code === "cancelled";
}

function costOf(result: CascadeResult | undefined): number | null {
  let total = 0;
  for (const step of result?.steps ?? []) {
    const cost = step.usage?.costUsd;
    if (cost === null) return null;
    total += cost ?? 0;
  }
  return total;
}

/**
 * The records of this pipeline already in the results file, which a run skips. Failed ones are dropped (measured again)
 * when they were too many to trust: an earlier run stopped by its failure limit left an outage's failures behind, and once
 * the endpoint is fixed a rerun must measure those requests instead of stopping at once on the old failures.
 */
export function resumableRecords(
  options: Pick<PipelineRunOptions, "results" | "configHash" | "count" | "failureLimit"> & { pipeline: { name: string } },
): { previous: RequestRecord[]; remeasured: number } {
  const all: RequestRecord[] = [];
  for (let seq = 0; seq < options.count; seq++) {
    const record = options.results.existing.get(recordKey(options.configHash, options.pipeline.name, seq));
    if (record !== undefined) all.push(record);
  }
  if (options.failureLimit === undefined || failureRate(all) <= options.failureLimit) return { previous: all, remeasured: 0 };
  const previous = all.filter((r) => r.ok);
  return { previous, remeasured: all.length - previous.length };
}

export async function runPipeline(options: PipelineRunOptions): Promise<PipelineRun> {
  const { pipeline, load, items, count, configHash, results } = options;
  const { previous, remeasured } = resumableRecords(options);
  const watch = createFailureWatch(options.failureLimit ?? 1);
  for (const record of previous) watch.add(record);
  const done = new Set(previous.map((r) => r.seq));
  const base = { skipped: previous.length, remeasured, timedOutAtDrain: 0 };
  if (previous.length === count) return { ...base, records: previous, load: null, warmup: null, warmupCost: null, interrupted: false, failures: watch.finish() };

  const order = requestStream(items.length, count, { order: load.order, seed: load.seed, ...(load.repeat !== undefined ? { repeat: load.repeat } : {}) });
  const policy = escalationPolicyOf(pipeline.escalation);
  const context = contextOptionsOf(pipeline.escalation);
  const reached = new Map<string, number>();
  let completed = 0;
  const reachShare = (tier: string): number => ((reached.get(tier) ?? 0) + 1) / (completed + 1);
  const itemAt = (index: number, o: Uint32Array): PocItem => items[o[index] as number] as PocItem;
  // `stop` ends scheduling (the failure limit); `cancel` aborts the calls still in flight once the drain is over.
  const stop = new AbortController();
  const cancel = new AbortController();
  const scheduling = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  // Every request in flight listens to `cancel` (hundreds at a high rate): not a leak, so no warning past 10.
  setMaxListeners(0, cancel.signal);
  const sendWith = (tiers: CascadeTier[], o: Uint32Array, calls: AbortSignal) => {
    const cascade = createCascade({ name: pipeline.name, task: options.task, tiers, policy, context });
    return (index: number): Promise<CascadeResult> => {
      const item = itemAt(index, o);
      return cascade.run({ input: { id: item.id, text: item.text }, tags: item.tags, signal: calls });
    };
  };

  let warmup: LoadRunSummary | null = null;
  let warmupCost: WarmupSummary | null = null;
  if (load.warmup > 0 && !scheduling.aborted) {
    const warmOrder = itemOrder(items.length, load.warmup, "shuffle", load.seed + 7919);
    const spent: WarmupSummary = { requests: load.warmup, completed: 0, failed: 0, cost_usd: 0 };
    let warmOver = false;
    const onWarm = (timing: RequestTiming<CascadeResult>): void => {
      if (warmOver || cancelled(timing)) return;
      spent.completed++;
      if (timing.result === undefined || timing.result.answer === null) spent.failed++;
      const cost = costOf(timing.result);
      spent.cost_usd = spent.cost_usd === null || cost === null ? null : spent.cost_usd + cost;
    };
    const warmCalls = new AbortController();
    setMaxListeners(0, warmCalls.signal);
    const send = sendWith(options.buildTiers(reachShare), warmOrder, warmCalls.signal);
    warmup = await drive({ load, count: load.warmup, seed: load.seed + 7919, send, onComplete: onWarm, signal: scheduling, interruptDrainMs: options.interruptDrainMs });
    warmOver = true;
    warmCalls.abort(new FrugalError("cancelled", "the warm-up ended"));
    warmupCost = spent;
  }

  const fresh: RequestRecord[] = [];
  let finished = false;
  let progress = previous.length;
  options.onProgress?.(progress, count);
  const keep = (record: RequestRecord): void => {
    completed++;
    for (const step of record.steps) if (step.outcome !== "skipped") reached.set(step.tier, (reached.get(step.tier) ?? 0) + 1);
    results.append(record);
    fresh.push(record);
    if (watch.add(record)) stop.abort();
    options.onProgress?.(++progress, count);
  };
  const contextOf = (index: number) => ({ configHash, pipeline: pipeline.name, seq: index, item: itemAt(index, order), fields: options.fields });
  const onComplete = (timing: RequestTiming<CascadeResult>): void => {
    if (finished || cancelled(timing)) return;
    keep(recordOf(contextOf(timing.index), timing));
  };
  const summary = scheduling.aborted
    ? null
    : await drive({ load, count, seed: load.seed, send: sendWith(options.buildTiers(reachShare), order, cancel.signal), onComplete, skip: (seq) => done.has(seq), signal: scheduling, interruptDrainMs: options.interruptDrainMs });
  finished = true;
  let timedOut = 0;
  if (summary !== null && !scheduling.aborted) {
    for (const a of summary.abandonedRequests) {
      const error = new FrugalError("provider_timeout", `still in flight ${Math.round(a.waitedMs)} ms after it was due, when the drain deadline (load.drain_ms = ${load.drain_ms} ms after the schedule ended) passed`);
      const record = recordOf(contextOf(a.index), { index: a.index, scheduledMs: a.scheduledMs, lagMs: a.lagMs, latencyMs: a.waitedMs, serviceMs: a.serviceMs, error });
      record.timed_out_at_drain = true;
      keep(record);
      timedOut++;
    }
  }
  cancel.abort(new FrugalError("cancelled", "the run stopped"));
  const records = [...previous, ...fresh].sort((a, b) => a.seq - b.seq);
  return { ...base, records, load: summary, warmup, warmupCost, interrupted: options.signal?.aborted === true, failures: watch.finish(), timedOutAtDrain: timedOut };
}
