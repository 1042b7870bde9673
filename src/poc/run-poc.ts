/**
 * `frugal poc`: the whole protocol. Load and check the config, read the dataset, train or load the compact models, open
 * the providers, run each pipeline in turn under the same load (sequentially, so one pipeline's work never queues behind
 * another's), then score, sweep, plan and write the report. Ctrl-C (the `signal`) stops scheduling, drains in-flight
 * requests for a short while, and still writes a report of what was measured, marked partial.
 */
import { cpus, loadavg } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { hashConfig } from "../cache/key.ts";
import { loadConfigFile, readTextFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { frugalVersion } from "../core/version.ts";
import type { TaskSpec } from "../core/types.ts";
import { createMeter } from "../meter/index.ts";
import { startGpuTelemetry } from "../meter/gpu-telemetry.ts";
import { writeReport, type WrittenReport } from "../report/index.ts";
import { buildPipelineTiers, endpointConfig, prepareTierResources } from "../pipeline/build-tiers.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import { DEFAULT_ENDPOINT } from "../pipeline/config.ts";
import { pocConfigSchema, type PocConfig } from "./config.ts";
import { readPocDataset } from "./dataset.ts";
import { gpuTelemetrySection } from "./gpu-section.ts";
import { planningSection } from "./planning.ts";
import { openResultsFile } from "./records.ts";
import { assembleResults, type PipelineOutcome } from "./results.ts";
import type { PocResults, PocResultsExtras } from "../results/types.ts";
import { runPipeline, type PipelineRun } from "./run-pipeline.ts";
import { describeTierPrice, tierMeterOf } from "../pipeline/tier-meter.ts";

export type PocEvent =
  | { type: "stage"; message: string }
  | { type: "train"; tier: string; done: number; total: number }
  | { type: "pipeline"; name: string; total: number; resumed: number }
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
  interrupted: boolean;
}

function requestCount(config: PocConfig, datasetSize: number, maxItems: number | undefined): number {
  const load = config.load;
  let count = load.items ?? (load.duration_s !== undefined && load.kind !== "closed" ? Math.max(1, Math.round(load.rate * load.duration_s)) : datasetSize);
  if (maxItems !== undefined) count = Math.min(count, maxItems);
  return count;
}

function resolveLabels(config: PocConfig, baseDir: string, datasetLabels: string[], modelLabels: string[]): string[] | undefined {
  const labels = config.task.labels;
  if (labels === undefined) return [...new Set([...datasetLabels, ...modelLabels])].sort();
  if (Array.isArray(labels)) return labels;
  const file = isAbsolute(labels) ? labels : resolve(baseDir, labels);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextFile(file, "labels file"));
  } catch (error) {
    if (error instanceof FrugalError) throw error;
    throw new FrugalError("config_invalid", `task.labels: ${file} is not valid JSON`, { details: { keyPath: "task.labels" } });
  }
  if (!Array.isArray(parsed) || parsed.length < 2 || !parsed.every((l) => typeof l === "string" && l.trim() !== "")) {
    throw new FrugalError("config_invalid", `task.labels: ${file} must hold a JSON array of at least two label strings`, { details: { keyPath: "task.labels" } });
  }
  return parsed as string[];
}

/** +Infinity (no threshold met the model's error bound) is not JSON: say what it means instead. */
function thresholdEntry(threshold: number): Record<string, unknown> {
  return Number.isFinite(threshold) ? { threshold } : { threshold: null, threshold_note: "no threshold met the error bound at training: every answer escalates" };
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
  // The tokenizer loads its BPE ranks on first use (seconds): do it now, not inside the first measured request.
  tierMeter.countTokens("warm-up");
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
    const count = requestCount(config, dataset.items.length, options.maxItems);
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
    const telemetry = await startGpuTelemetry({ env: env as NodeJS.ProcessEnv, probeTimeoutMs: 2000 });

    const outcomes: PipelineOutcome[] = [];
    const runs = new Map<string, PipelineRun>();
    const pipelineRate = config.load.kind === "closed" ? undefined : config.load.rate;
    for (const pipeline of config.pipelines) {
      const tiersOf = (reachShare: (tier: string) => number) =>
        buildPipelineTiers({ config, pipeline, task, resources, meter, tierMeter, pipelineRate, reachShare });
      const described = tiersOf(() => 1);
      emit({ type: "pipeline", name: pipeline.name, total: count, resumed: 0 });
      const run = await runPipeline({
        pipeline,
        task,
        fields,
        items: dataset.items,
        load: config.load,
        count,
        configHash,
        results,
        buildTiers: tiersOf,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        interruptDrainMs: options.interruptDrainMs ?? 3000,
        onProgress: (done, total) => emit({ type: "progress", pipeline: pipeline.name, done, total }),
      });
      runs.set(pipeline.name, run);
      outcomes.push({
        name: pipeline.name,
        tiers: described.map((t) => {
          const c = config.tiers[t.name];
          const endpoint = resources.endpoints.get(t.name);
          return {
            name: t.name,
            kind: t.kind,
            modeled: t.modeled === true,
            ...(c?.kind === "llm" ? { model: endpoint?.servedModel ?? c.model, price_model: c.model } : {}),
            ...(c?.kind === "llm" && endpoint !== undefined ? { endpoint: endpoint.baseUrl } : {}),
            ...(t.modeled === true ? { measured_by: resources.measuredHints.get(t.name), latency_source: "planner", quality: "not_measured" } : {}),
            ...(t.threshold !== undefined ? thresholdEntry(t.threshold) : {}),
            ...(t.fieldThresholds !== undefined
              ? { field_thresholds: Object.fromEntries(Object.entries(t.fieldThresholds).map(([f, v]) => [f, Number.isFinite(v) ? v : null])) }
              : {}),
            ...(c?.kind === "compact" ? { model: resources.compact.get(t.name)?.id, compact: resources.compact.get(t.name)?.info } : {}),
          };
        }),
        records: run.records,
        extra: {
          requests_planned: count,
          requests_recorded: run.records.length,
          resumed_from_results_file: run.skipped,
          ...(run.load !== null ? { load_generator: { mode: run.load.mode, sent: run.load.sent, abandoned: run.load.abandoned.length, duration_s: run.load.durationMs / 1000, send_lag_ms: run.load.sendLag.summary() } } : {}),
        },
      });
      if (options.signal?.aborted === true) break;
    }
    const gpu = await telemetry.stop();
    const interrupted = options.signal?.aborted === true || outcomes.some((o) => o.records.length < count);
    emit({ type: "stage", message: "scoring and writing the report" });
    const assembled = assembleResults({
      config,
      taskName: config.task.name,
      kind: config.task.kind,
      fields,
      dataset,
      pipelines: outcomes,
      describePrice: describeTierPrice(meter, config.tiers),
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
        ...(interrupted ? { partial_note: "interrupted (Ctrl-C) or incomplete: figures cover the requests recorded so far; rerun the same command to resume" } : {}),
        load: { ...config.load, requests_per_pipeline: count },
        run: { started_at: startedAt.toISOString(), duration_s: (performance.now() - started) / 1000, cpus: cpus().length, load_average_1m: loadavg()[0] ?? null, node: process.version },
        meter: meter.describe(),
        gpu_telemetry: gpuTelemetrySection(gpu),
        planning: planningSection({ config, outcomes, runs, gpu }),
      },
    });
    const report = writeReport(assembled, outDir);
    return { results: assembled, report, resultsFile: results.path, interrupted };
  } finally {
    await resources.close();
  }
}
