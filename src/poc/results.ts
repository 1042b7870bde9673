/**
 * Assembles results.json (`frugal.poc/v1`, src/results/types.ts) from the pipelines' records: per-pipeline metrics,
 * the threshold sweep of each compact → LLM chain, the recommended threshold, failures, the extraction section, the
 * measurement hints for modeled tiers, and the comparison against the baseline (the first pipeline without a compact tier).
 * The sweep is of every request; the recommendation is chosen on half of the items and scored on the other half.
 */
import { defaultThresholds, sweepThresholds, type SweepPointResult } from "../cascade/index.ts";
import { compare } from "./comparison.ts";
import type { PocConfig } from "./config.ts";
import type { Gold, PocDataset } from "./dataset.ts";
import { heldOutRecommendation } from "./held-out.ts";
import { pipelineMetrics } from "./metrics.ts";
import { recommendationRecord, type RecommendationRecord } from "./recommendation.ts";
import type { RequestRecord } from "./records.ts";
import { RESULTS_SCHEMA, type FailedRow, type FigureWithInterval, type PipelineResult, type PocResults, type PocResultsExtras, type SweepPoint } from "../results/types.ts";
import { MODELED_CONTENT } from "./score.ts";
import { chainShape, sweepInput } from "./sweep-input.ts";

export interface PipelineOutcome {
  name: string;
  tiers: Array<{ name: string; kind: string; model?: string; modeled: boolean; [extra: string]: unknown }>;
  records: RequestRecord[];
  extra: Record<string, unknown>;
}

export interface AssembleOptions {
  config: PocConfig;
  taskName: string;
  kind: "classify" | "extract";
  fields: readonly string[];
  dataset: PocDataset;
  pipelines: PipelineOutcome[];
  /** Env vars that make each modeled tier measured. */
  measureWith: Array<{ tier: string; env: string[] }>;
  /** How a tier is priced, in words (the meter's source line), for the recommendation's cost note. */
  describePrice?: (tier: string) => string | undefined;
  extras: Record<string, unknown>;
}

const MAX_FAILURE_ROWS = 200;

export function assembleResults(options: AssembleOptions): PocResults & PocResultsExtras {
  const { config, dataset } = options;
  const goldById = new Map<string, Gold | null>(dataset.items.map((i) => [i.id, i.gold]));
  const goldOf = (id: string): Gold | null => goldById.get(id) ?? null;
  const metric = config.task.metric ?? (options.kind === "classify" ? "accuracy" : "field_exact_match");
  const hint = options.measureWith.length === 0 ? "" : `To measure it: set ${[...new Set(options.measureWith.flatMap((m) => m.env))].join(", ")}.`;
  const allRecords = options.pipelines.flatMap((p) => p.records);

  const pipelines: PipelineResult[] = options.pipelines.map((p) => ({
    name: p.name,
    tiers: p.tiers,
    metrics: pipelineMetrics(
      p.records,
      { kind: options.kind, metric, fields: options.fields, sloP95Ms: config.slo.p95_ms, tiers: p.tiers, measuredHint: hint },
      (record) => {
        const gold = goldOf(record.item);
        return gold?.kind === "classify" ? gold.label : undefined;
      },
    ),
    ...p.extra,
  }));

  const baseline = options.pipelines.find((p) => chainShape(p.tiers) === undefined && p.tiers.some((t) => t.kind === "llm"));
  const perRequest = (values: Array<number | null>): number[] | null => (values.some((v) => v === null) ? null : (values as number[]));
  const baselineUse =
    baseline === undefined
      ? undefined
      : { name: baseline.name, costs: perRequest(baseline.records.map((r) => r.cost_usd)), energies: perRequest(baseline.records.map((r) => r.energy_j)) };
  const sweeps: Record<string, SweepPointResult[]> = {};
  const recommendations: Record<string, RecommendationRecord> = {};
  const configured = Object.values(config.tiers).flatMap((t) => (t.kind === "compact" && t.threshold !== undefined ? [t.threshold] : []));
  for (const p of options.pipelines) {
    const shape = chainShape(p.tiers);
    if (shape === undefined || p.records.length === 0) continue;
    const stored = p.tiers.find((t) => t.name === shape.compactTier)?.threshold;
    // A model whose threshold met no error bound stores +Infinity (everything escalates): not a point to sweep.
    const runThreshold = typeof stored === "number" && Number.isFinite(stored) ? stored : undefined;
    const thresholds = config.sweep.thresholds ?? defaultThresholds([...configured, ...(runThreshold !== undefined ? [runThreshold] : [])]);
    const input = { shape, records: p.records, allRecords, goldOf, fields: options.fields };
    const requests = sweepInput(input);
    sweeps[p.name] = sweepThresholds(requests, thresholds, config.sweep.assumed_llm_quality);
    const held = heldOutRecommendation({
      requests,
      energy: sweepInput({ ...input, measure: "energy" }),
      items: p.records.map((r) => r.item),
      thresholds,
      target: config.quality_target,
      assumedLlmQuality: config.sweep.assumed_llm_quality,
      clustered: options.kind === "extract",
      ...(baselineUse !== undefined ? { baseline: baselineUse } : {}),
    });
    recommendations[p.name] = recommendationRecord(held, {
      pipeline: p.name,
      shape,
      tiers: p.tiers,
      kind: options.kind,
      metric: options.kind === "extract" ? "field_exact_match" : "accuracy",
      qualityTarget: config.quality_target,
      assumedLlmQuality: config.sweep.assumed_llm_quality,
      runThreshold,
      ...(options.describePrice !== undefined ? { describePrice: options.describePrice } : {}),
    });
  }
  const headline = Object.keys(sweeps)[0];
  const sweep: SweepPoint[] = (headline === undefined ? [] : (sweeps[headline] ?? [])).map((p) => ({
    ...p,
    pipeline: headline,
    // Spelled out on every point: `quality` is the chain's (measured or null), `quality_assumed` is modeled,
    // `compact_quality` is measured on the kept units only, the cost is modeled.
    ...(p.quality_assumed !== null ? { quality_assumed_provenance: "modeled" } : {}),
    compact_quality_provenance: "measured",
    cost_provenance: "modeled",
  }));
  const chosen = headline === undefined ? undefined : recommendations[headline];
  const recommendation: Record<string, unknown> =
    chosen === undefined
      ? { threshold: null, basis: "none", reason: "no pipeline has a compact tier followed by an LLM tier: nothing to sweep", quality_target: config.quality_target }
      : { ...chosen, ...(baseline !== undefined ? { baseline: baseline.name } : {}), by_pipeline: recommendations };

  const failures: FailedRow[] = [];
  let failureCount = 0;
  for (const r of allRecords) {
    if (!r.ok) {
      failureCount++;
      const failedStep = [...r.steps].reverse().find((s) => s.error !== undefined);
      if (failures.length < MAX_FAILURE_ROWS)
        failures.push({ item: r.item, pipeline: r.pipeline, stage: "request", message: r.error?.message ?? "failed", ...(failedStep !== undefined ? { tier: failedStep.tier } : {}), ...(r.error !== undefined ? { code: r.error.code } : {}) });
    } else if (r.correct === null && r.unscored !== undefined && r.unscored !== MODELED_CONTENT) {
      failureCount++;
      if (failures.length < MAX_FAILURE_ROWS) failures.push({ item: r.item, pipeline: r.pipeline, stage: "scoring", message: r.unscored });
    }
  }

  const results: PocResults & PocResultsExtras = {
    schema: RESULTS_SCHEMA,
    task: { name: options.taskName, kind: options.kind, n_items: dataset.items.length, metric, dataset: dataset.file, dataset_hash: dataset.hash },
    pipelines,
    sweep,
    recommendation,
    slo: { p95_ms: config.slo.p95_ms },
    quality_target: config.quality_target,
    failures,
    failures_total: failureCount,
    dataset_problems: { count: dataset.problems.length, rows: dataset.problems.slice(0, MAX_FAILURE_ROWS) },
    ...(Object.keys(sweeps).length > 1 ? { sweeps } : {}),
    ...(options.measureWith.length > 0
      ? {
          measure_with: options.measureWith.map((m) => ({
            env: m.env,
            makes_measured: `tier ${m.tier}: its answers (quality), tokens and latency become measured against that endpoint`,
          })),
        }
      : {}),
    ...(baseline !== undefined ? { comparison: compare(pipelines.map((result, i) => ({ result, records: options.pipelines[i]?.records ?? [] })), baseline.name) } : {}),
    ...options.extras,
  };
  if (options.kind === "extract") results.extraction = extractionSection(pipelines, options.fields);
  return results;
}

function extractionSection(pipelines: PipelineResult[], fields: readonly string[]): NonNullable<PocResultsExtras["extraction"]> {
  return {
    fields: [...fields],
    pipelines: pipelines.map((p) => {
      const perField = (p.metrics.field_accuracy ?? {}) as Record<string, number | null>;
      const perFieldCi = (p.metrics.field_accuracy_ci95 ?? {}) as Record<string, [number, number] | null>;
      const perFieldN = (p.metrics.field_accuracy_n ?? {}) as Record<string, number>;
      const known = p.metrics.quality.provenance === "measured";
      const fig = (v: number | null | undefined, ci95?: [number, number] | null, n?: number): FigureWithInterval => {
        if (v === null || v === undefined) return { value: null, provenance: "not_measured" };
        const interval = ci95 === null || ci95 === undefined ? {} : { ci95, ci95_method: "wilson", ...(n !== undefined ? { ci95_n: n } : {}) };
        return known ? { value: v, provenance: "measured", ...interval } : { value: v, provenance: "measured", ...interval, note: "fields answered by the tiers that ran; modeled fields excluded" };
      };
      const reduction = p.metrics.prompt_reduction as { llm_calls: number; input_tokens_sent: number; input_tokens_full_document: number; saved_share: number } | undefined;
      return {
        name: p.name,
        field_accuracy: Object.fromEntries(fields.map((f) => [f, fig(perField[f], perFieldCi[f], perFieldN[f])])),
        mean_field_accuracy: known ? p.metrics.quality : measuredPart(p.metrics.quality_measured_part),
        ...(reduction !== undefined
          ? {
              input_tokens_saved_per_request: { value: (reduction.input_tokens_full_document - reduction.input_tokens_sent) / Math.max(1, reduction.llm_calls), provenance: "modeled", note: "per escalated LLM call; tokenizer estimate" },
              input_tokens_saved_share: { value: reduction.saved_share, provenance: "modeled", note: "tokenizer estimate, same tokenizer for both" },
            }
          : {}),
      };
    }),
  };
}

/** The measured part of an unknown quality, as a figure with its interval (metrics.ts writes it so). */
function measuredPart(part: unknown): FigureWithInterval {
  const p = part as { value?: number | null; ci95?: [number, number]; ci95_method?: string; ci95_n?: number } | undefined;
  if (p?.value === null || p?.value === undefined) return { value: null, provenance: "not_measured" };
  const interval = p.ci95 === undefined ? {} : { ci95: p.ci95, ...(p.ci95_method !== undefined ? { ci95_method: p.ci95_method } : {}), ...(p.ci95_n !== undefined ? { ci95_n: p.ci95_n } : {}) };
  return { value: p.value, provenance: "measured", ...interval, note: "fields answered by the tiers that ran; modeled fields excluded" };
}
