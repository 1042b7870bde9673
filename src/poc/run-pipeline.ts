/**
 * Runs one pipeline under the configured load: an optional warm-up (its answers are thrown away and the pipeline's tiers
 * are rebuilt afterwards, so caches start empty), then the measured schedule. Every completed request becomes a record,
 * appended to the results file at once. Requests already in the results file are skipped (resume). Requests abandoned at
 * the drain deadline or cancelled by Ctrl-C are not recorded, so a rerun measures them.
 */
import { createCascade, type CascadeResult } from "../cascade/index.ts";
import { isFrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import type { CascadeTier } from "../tiers/index.ts";
import type { LoadConfig, PipelineConfig } from "./config.ts";
import type { PocItem } from "./dataset.ts";
import { runClosedLoop, runOpenLoop, type LoadRunSummary, type RequestTiming } from "./load-generator.ts";
import { recordOf } from "./record-of.ts";
import { recordKey, type RequestRecord, type ResultsFile } from "./records.ts";
import { buildSchedule, itemOrder } from "./schedule.ts";

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
  onProgress?: (done: number, total: number) => void;
}

export interface PipelineRun {
  records: RequestRecord[];
  /** Null when every request was already in the results file. */
  load: LoadRunSummary | null;
  warmup: LoadRunSummary | null;
  skipped: number;
  interrupted: boolean;
}

function policyOf(pipeline: PipelineConfig) {
  const e = pipeline.escalation;
  return {
    rules: e.rules.map((r, i) => ({
      name: r.name ?? `rule-${i + 1}`,
      route: r.route,
      when: {
        ...(r.min_chars !== undefined ? { minChars: r.min_chars } : {}),
        ...(r.max_chars !== undefined ? { maxChars: r.max_chars } : {}),
        ...(r.pattern !== undefined ? { pattern: new RegExp(r.pattern) } : {}),
        ...(r.tag !== undefined ? { tag: r.tag } : {}),
      },
    })),
    fallbackOnError: e.fallback_on_error,
    onExhausted: e.on_exhausted,
    timeoutMs: e.timeouts_ms,
  };
}

async function drive(
  load: LoadConfig,
  count: number,
  seed: number,
  send: (index: number) => Promise<CascadeResult>,
  onComplete: (timing: RequestTiming<CascadeResult>) => void,
  skip: ((index: number) => boolean) | undefined,
  signal: AbortSignal | undefined,
  interruptDrainMs: number,
): Promise<LoadRunSummary> {
  const common = { send, onComplete, drainMs: load.drain_ms, interruptDrainMs, ...(skip !== undefined ? { skip } : {}), ...(signal !== undefined ? { signal } : {}) };
  if (load.kind === "closed") return runClosedLoop({ ...common, count, concurrency: load.concurrency });
  return runOpenLoop({ ...common, schedule: buildSchedule({ kind: load.kind, rate: load.rate, count, seed }) });
}

export async function runPipeline(options: PipelineRunOptions): Promise<PipelineRun> {
  const { pipeline, load, items, count, configHash, results } = options;
  const seen = (seq: number): boolean => results.existing.has(recordKey(configHash, pipeline.name, seq));
  const previous: RequestRecord[] = [];
  for (let seq = 0; seq < count; seq++) {
    const record = results.existing.get(recordKey(configHash, pipeline.name, seq));
    if (record !== undefined) previous.push(record);
  }
  if (previous.length === count) return { records: previous, load: null, warmup: null, skipped: count, interrupted: false };

  const order = itemOrder(items.length, count, load.order, load.seed);
  const policy = policyOf(pipeline);
  const context = { topLines: pipeline.escalation.context.top_lines, window: pipeline.escalation.context.window };
  const reached = new Map<string, number>();
  let completed = 0;
  const reachShare = (tier: string): number => ((reached.get(tier) ?? 0) + 1) / (completed + 1);
  const itemAt = (index: number, o: Uint32Array): PocItem => items[o[index] as number] as PocItem;
  const sendWith = (tiers: CascadeTier[], o: Uint32Array) => {
    const cascade = createCascade({ name: pipeline.name, task: options.task, tiers, policy, context });
    return (index: number): Promise<CascadeResult> => {
      const item = itemAt(index, o);
      return cascade.run({ input: { id: item.id, text: item.text }, tags: item.tags });
    };
  };

  let warmup: LoadRunSummary | null = null;
  if (load.warmup > 0 && options.signal?.aborted !== true) {
    const warmOrder = itemOrder(items.length, load.warmup, "shuffle", load.seed + 7919);
    warmup = await drive(load, load.warmup, load.seed + 7919, sendWith(options.buildTiers(reachShare), warmOrder), () => undefined, undefined, options.signal, options.interruptDrainMs);
  }

  const fresh: RequestRecord[] = [];
  let finished = false;
  let done = previous.length;
  options.onProgress?.(done, count);
  const onComplete = (timing: RequestTiming<CascadeResult>): void => {
    if (finished) return; // abandoned at the drain deadline: not recorded, a rerun measures it
    if (timing.result === undefined && isFrugalError(timing.error) && timing.error.code === "cancelled") return;
    const record = recordOf({ configHash, pipeline: pipeline.name, seq: timing.index, item: itemAt(timing.index, order), fields: options.fields }, timing);
    completed++;
    for (const step of record.steps) if (step.outcome !== "skipped") reached.set(step.tier, (reached.get(step.tier) ?? 0) + 1);
    results.append(record);
    fresh.push(record);
    options.onProgress?.(++done, count);
  };
  const summary =
    options.signal?.aborted === true
      ? null
      : await drive(load, count, load.seed, sendWith(options.buildTiers(reachShare), order), onComplete, seen, options.signal, options.interruptDrainMs);
  finished = true;
  const records = [...previous, ...fresh].sort((a, b) => a.seq - b.seq);
  return { records, load: summary, warmup, skipped: previous.length, interrupted: options.signal?.aborted === true };
}
