/**
 * `frugal poc`: the whole protocol. Load and check the config, read the dataset, train or load the compact models, open
 * the providers, run each pipeline in turn under the same load (sequentially, so one pipeline's work never queues behind
 * another's), then score, sweep, plan and write the report. Ctrl-C (the `signal`) stops scheduling, drains in-flight
 * requests for a short while, aborts what is left, and still writes a report of what was measured, marked partial.
 *
 * It fails loudly rather than report an outage as a result: one preflight call per LLM endpoint before anything is measured
 * (a dead endpoint is exit 3), and a pipeline whose failure rate passes `failure_limit` stops the run (`aborted`, exit 4
 * in the CLI) with a partial report that makes no comparison nor recommendation.
 */
import { cpus, loadavg } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { hashConfig } from "../cache/key.ts";
import { loadConfigFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { frugalVersion } from "../core/version.ts";
import type { TaskSpec } from "../core/types.ts";
import { createMeter } from "../meter/index.ts";
import { startGpuTelemetry } from "../meter/gpu-telemetry.ts";
import { writeReport, type WrittenReport } from "../report/index.ts";
import { buildPipelineTiers, endpointConfig, prepareTierResources, pricedModelOf } from "../pipeline/build-tiers.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import { DEFAULT_ENDPOINT } from "../pipeline/config.ts";
import { readTaskLabels } from "../pipeline/labels.ts";
import { pocConfigSchema, type PipelineConfig, type PocConfig } from "./config.ts";
import { readPocDataset } from "./dataset.ts";
import { gpuTelemetrySection } from "./gpu-section.ts";
import { improvementLoopSection } from "./improvement-section.ts";
import { planningSection } from "./planning.ts";
import { openResultsFile } from "./records.ts";
import { assembleResults, type PipelineOutcome } from "./results.ts";
import type { AbortedRun, PocResults, PocResultsExtras } from "../results/types.ts";
import { resumableRecords, runPipeline, type PipelineRun } from "./run-pipeline.ts";
import { requestCount } from "./schedule.ts";
import { describeTierPrice, tierMeterOf } from "../pipeline/tier-meter.ts";
import { describeTiers } from "./describe-tiers.ts";
import { preflightEndpoints } from "./preflight.ts";
import { cacheReference } from "./reference-pipeline.ts";
import { abortedRun, cacheAttribution, partialNote, runNotes, warmupSection, withholdVerdicts } from "./run-integrity.ts";

export type PocEvent =
  | { type: "stage"; message: string }
  | { type: "train"; tier: string; done: number; total: number }
  | { type: "pipeline"; name: string; total: number; resumed: number; reference?: string }
  | { type: "progress"; pipeline: string; done: number; total: number }
  | { type: "warning"; message: string };

export interface RunPocOptions {
  configFile: string;
  outDir: string;
  /** Ignore (delete) the results file instead of resuming from it. */
  fresh?: boolean;
  /** Ctrl-C: stop, drain briefly, write a partial report. */
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
  /** Caps the requests per pipeline (a quick look, the demo's smoke test). */
  maxItems?: number;
  compactLoader?: CompactLoader;
  onEvent?: (event: PocEvent) => void;
  /** Drain deadline after Ctrl-C, ms (default 3,000). */
  interruptDrainMs?: number;
}

export interface RunPocResult {
  results: PocResults & PocResultsExtras;
  report: WrittenReport;
  resultsFile: string;
  /** The report is partial: Ctrl-C, or stopped on failures (`aborted`). */
  interrupted: boolean;
  /** A pipeline failed past `failure_limit`: the run stopped, no comparison nor recommendation was made. */
  aborted?: AbortedRun;
}

function resolveLabels(config: PocConfig, baseDir: string, datasetLabels: string[], modelLabels: string[]): string[] | undefined {
  return readTaskLabels(config.task.labels, baseDir, "task.labels") ?? [...new Set([...datasetLabels, ...modelLabels])].sort();
}

async function defaultLoader(): Promise<CompactLoader> {
  const { createCompactLoader } = await import("../pipeline/compact-loader-impl.ts");
  return createCompactLoader();
}

export async function runPoc(options: RunPocOptions): Promise<RunPocResult> {
  const startedAt = new Date();
  const started = performance.now();
  const emit = options.onEvent ?? (() => undefined);
  const env = options.env ?? process.env;
  const configFile = resolve(options.configFile);
  const baseDir = dirname(configFile);
  const config = loadConfigFile(pocConfigSchema, configFile);
  const dataPath = isAbsolute(config.task.dataset.path) ? config.task.dataset.path : resolve(baseDir, config.task.dataset.path);
  const ds = config.task.dataset;
  const dataset = readPocDataset({
    file: dataPath,
    kind: config.task.kind,
    textCol: ds.text,
    fieldsCol: ds.fields,
    ...(ds.label !== undefined ? { labelCol: ds.label } : {}),
    ...(ds.id !== undefined ? { idCol: ds.id } : {}),
    ...(ds.tags !== undefined ? { tagsCol: ds.tags } : {}),
    ...(config.task.fields !== undefined ? { fields: config.task.fields } : {}),
    ...(ds.limit !== undefined ? { limit: ds.limit } : {}),
  });
  for (const problem of dataset.problems.slice(0, 5)) emit({ type: "warning", message: `${dataset.file}:${problem.line}: ${problem.reason}` });
  if (dataset.problems.length > 5) emit({ type: "warning", message: `${dataset.problems.length - 5} more dataset rows with problems (listed in the report)` });

  const meter = createMeter({ ...(config.prices !== undefined ? { prices: config.prices } : {}), ...(config.energy !== undefined ? { energy: config.energy } : {}), baseDir });
  for (const warning of meter.warnings) emit({ type: "warning", message: warning });
  const tierMeter = tierMeterOf(meter);
  // With repeated traffic and a chain that caches, the baseline also runs behind the same cache (reference-pipeline.ts).
  const reference = cacheReference(config);
  const pipelines: PipelineConfig[] = reference === undefined ? config.pipelines : [...config.pipelines, reference.pipeline];
  emit({ type: "stage", message: "preparing tiers" });
  const resources = await prepareTierResources({
    config,
    baseDir,
    env,
    meter,
    compactLoader: options.compactLoader ?? (await defaultLoader()),
    task: { kind: config.task.kind },
    onTrainProgress: (tier, done, total) => emit({ type: "train", tier, done, total }),
  });
  try {
    const modelLabels = [...resources.compact.values()].flatMap((c) => (c.model.kind === "classify" ? [...c.model.labels] : []));
    const fields = config.task.kind === "extract" ? dataset.fields : [];
    const labels = config.task.kind === "classify" ? resolveLabels(config, baseDir, dataset.labels, modelLabels) : undefined;
    const task: TaskSpec = {
      name: config.task.name,
      kind: config.task.kind,
      ...(labels !== undefined ? { labels } : {}),
      ...(config.task.kind === "extract" ? { fields } : {}),
      ...(config.task.prompt !== undefined ? { promptTemplate: config.task.prompt } : {}),
    };
    const count = requestCount(config.load, dataset.items.length, options.maxItems);
    const pipelineRate = config.load.kind === "closed" ? undefined : config.load.rate;
    const tiersOf = (pipeline: PipelineConfig) => (reachShare: (tier: string) => number) =>
      buildPipelineTiers({ config, pipeline, task, resources, meter, tierMeter, pipelineRate, reachShare });
    // Everything that changes what a request measures: the config, the data, the models, where each LLM is reached.
    const configHash = hashConfig({
      config,
      dataset: dataset.hash,
      count,
      compact: [...resources.compact.entries()].map(([name, c]) => [name, c.id]),
      endpoints: [...resources.endpoints.entries()],
    });
    const outDir = resolve(options.outDir);
    const results = openResultsFile(join(outDir, "poc.frugal-results.jsonl"), configHash, { fresh: options.fresh === true });
    // Only when something is left to send: a rerun of a finished run resumes everything and calls no endpoint.
    const pending = pipelines.filter((p) => resumableRecords({ results, configHash, count, failureLimit: config.failure_limit, pipeline: p }).previous.length < count);
    if (pending.length > 0) {
      emit({ type: "stage", message: "checking the LLM endpoints" });
      await preflightEndpoints({ tiers: config.tiers, used: new Set(pending.flatMap((p) => p.tiers)), resources, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
    }
    // Built once up front, after the preflight (an unreachable endpoint is the first thing to fix): a price the catalog
    // lacks — for the model the endpoint serves — or a model the planner cannot model is a config error (exit 2) before
    // anything is measured.
    const described = new Map(pipelines.map((p) => [p.name, tiersOf(p)(() => 1)]));
    // The tokenizer loads its BPE ranks on first use (seconds): do it now, not inside the first measured request (and after
    // the preflight, so a dead endpoint is reported at once).
    tierMeter.countTokens("warm-up");
    const telemetry = await startGpuTelemetry({ env: env as NodeJS.ProcessEnv, probeTimeoutMs: 2000 });

    const outcomes: PipelineOutcome[] = [];
    const runs = new Map<string, PipelineRun>();
    let aborted: AbortedRun | undefined;
    for (const pipeline of pipelines) {
      const isReference = pipeline.name === reference?.reference.name;
      emit({ type: "pipeline", name: pipeline.name, total: count, resumed: 0, ...(isReference ? { reference: `${reference.reference.baseline} behind the cache, for reference` } : {}) });
      const run = await runPipeline({
        pipeline,
        task,
        fields,
        items: dataset.items,
        load: config.load,
        count,
        configHash,
        results,
        buildTiers: tiersOf(pipeline),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        interruptDrainMs: options.interruptDrainMs ?? 3000,
        failureLimit: config.failure_limit,
        onProgress: (done, total) => emit({ type: "progress", pipeline: pipeline.name, done, total }),
      });
      runs.set(pipeline.name, run);
      outcomes.push({
        name: pipeline.name,
        tiers: describeTiers(config, described.get(pipeline.name) ?? [], resources, meter),
        records: run.records,
        extra: {
          ...(isReference ? { reference: { of: reference.reference.baseline, adds: reference.reference.cacheTier, for: reference.reference.chain, note: "added because load.repeat replays items and the chain has a cache: the baseline behind the same cache" } } : {}),
          requests_planned: count,
          requests_recorded: run.records.length,
          resumed_from_results_file: run.skipped,
          failure_rate: run.failures.rate,
          failures_over_limit: run.failures.exceeded,
          ...(run.timedOutAtDrain > 0 ? { timed_out_at_drain: run.timedOutAtDrain } : {}),
          ...(run.warmupCost !== null ? { warmup: run.warmupCost } : {}),
          ...(run.load !== null
            ? { load_generator: { mode: run.load.mode, sent: run.load.sent, abandoned: run.load.abandoned.length, timed_out_at_drain: run.timedOutAtDrain, duration_s: run.load.durationMs / 1000, send_lag_ms: run.load.sendLag.summary() } }
            : {}),
        },
      });
      if (run.failures.exceeded) {
        aborted = abortedRun(pipeline.name, run.failures);
        break;
      }
      if (options.signal?.aborted === true) break;
    }
    const gpu = await telemetry.stop();
    const interruptedByUser = options.signal?.aborted === true;
    const note = partialNote({ aborted, interruptedByUser, count, short: outcomes.filter((o) => o.records.length < count).map((o) => ({ name: o.name, recorded: o.records.length })) });
    const interrupted = note !== undefined;
    // The loop only after a complete run: a stopped or interrupted run reports what it recorded, nothing more.
    const improvement = interrupted
      ? undefined
      : await improvementLoopSection({ config, baseDir, env, meter, task, dataset, onEvent: (message) => emit({ type: "stage", message: `improvement loop: ${message}` }) });
    emit({ type: "stage", message: "scoring and writing the report" });
    const warmup = warmupSection(config, runs);
    const notes = runNotes(config, runs);
    const assembled = assembleResults({
      config,
      taskName: config.task.name,
      kind: config.task.kind,
      fields,
      dataset,
      pipelines: outcomes,
      describePrice: describeTierPrice(meter, config.tiers, (tier) => {
        const c = config.tiers[tier];
        return c?.kind === "llm" ? pricedModelOf(tier, c, resources) : undefined;
      }),
      measureWith: [...resources.measuredHints.keys()].map((tier) => {
        const c = config.tiers[tier];
        const e = c?.kind === "llm" ? endpointConfig(c) : DEFAULT_ENDPOINT;
        return { tier, env: [e.base_url_env, e.model_env, e.api_key_env] };
      }),
      extras: {
        generated_at: new Date().toISOString(),
        frugal_version: frugalVersion(),
        config_file: configFile,
        config_hash: configHash,
        results_file: results.path,
        partial: interrupted,
        ...(note !== undefined ? { partial_note: note } : {}),
        failure_limit: config.failure_limit,
        ...(aborted !== undefined ? { aborted } : {}),
        ...(notes.length > 0 ? { run_notes: notes } : {}),
        load: {
          ...config.load,
          requests_per_pipeline: count,
          stream: config.load.repeat === undefined ? "each item at most once, the same order for every pipeline" : `items replayed by load.repeat (${config.load.repeat.kind}), the same stream for every pipeline`,
        },
        ...(warmup !== undefined ? { warmup } : {}),
        run: { started_at: startedAt.toISOString(), duration_s: (performance.now() - started) / 1000, cpus: cpus().length, load_average_1m: loadavg()[0] ?? null, node: process.version },
        meter: meter.describe(),
        gpu_telemetry: gpuTelemetrySection(gpu),
        planning: planningSection({ config, outcomes, runs, gpu }),
        ...(improvement !== undefined ? { improvement_loop: improvement } : {}),
      },
    });
    if (aborted !== undefined) withholdVerdicts(assembled, aborted);
    else if (reference !== undefined && config.load.repeat !== undefined) {
      const attribution = cacheAttribution(assembled, reference.reference, config.load.repeat);
      if (attribution !== undefined) assembled.cache_attribution = attribution;
    }
    const report = writeReport(assembled, outDir);
    return { results: assembled, report, resultsFile: results.path, interrupted, ...(aborted !== undefined ? { aborted } : {}) };
  } finally {
    await resources.close();
  }
}
