/**
 * Everything a report renders, computed once from a results file: the header facts, the pipelines, the summary table,
 * the headline, the sweep and recommendation, the optional sections, and the (small) payload the charts draw from.
 */
import type { PocResults } from "../results/types.ts";
import { loopResultSchema, loopTable, type LoopTable } from "../improve/loop-table.ts";
import { formatCount, formatMs } from "./format.ts";
import { buildHeadlines, type Headline } from "./headlines.ts";
import { buildPlanning, type PlanningView } from "./planning-view.ts";
import { abortedOf, buildRunFacts, type RunFactsView } from "./run-facts.ts";
import { qualityLabel } from "./labels.ts";
import {
  baselineName,
  buildPipelineViews,
  buildSummaryRows,
  candidateName,
  type PipelineView,
  type SummaryRow,
} from "./view-model.ts";
import {
  buildExtraction,
  buildFailures,
  buildGpu,
  buildHints,
  buildRecommendation,
  buildSweep,
  type FailuresView,
  type GpuView,
  type HintsView,
  type RecommendationView,
  type SweepView,
} from "./view-sections.ts";

export interface ReportOptions {
  /** The page title; defaults to the task's name. */
  title?: string;
  /** The pipeline others are compared to; defaults to the recommendation's baseline, then "dense", then the first. */
  baseline?: string;
}

export interface ReportModel {
  title: string;
  taskName: string;
  kind: string;
  qualityLabel: string;
  /** "3,080 items", "load: poisson, rate 20 rps", "SLO: P95 ≤ 800 ms"... */
  facts: string[];
  generatedAt: string | null;
  frugalVersion: string | null;
  /** "Ran on 2 CPUs, load average 1.2 at the start, 94 s", when the results say. */
  runFacts: string | null;
  /** Set when the run was interrupted: the figures cover only what was recorded. */
  partialNote: string | null;
  datasetProblems: { count: number; rows: Array<{ line: string; reason: string; severity: string }> } | null;
  baseline: string;
  candidate: string | null;
  pipelines: PipelineView[];
  rows: SummaryRow[];
  headlines: Headline[];
  sweep: SweepView;
  recommendation: RecommendationView | null;
  hints: HintsView;
  failures: FailuresView | null;
  planning: PlanningView | null;
  extraction: { columns: string[]; rows: SummaryRow[] } | null;
  gpu: GpuView | null;
  /** The improvement loop's table (poc.yaml `improvement_loop`), when it ran. */
  improvementLoop: LoopTable | null;
  sloP95Ms: number | null;
  /** A stop on failures, warm-up, the runner's notes on the run, the cache's share of the saving. */
  run: RunFactsView;
}

/** The loop's table, when results.json has a loop result (parseResults checked its shape; a hand-made object is checked here). */
function improvementLoopOf(results: PocResults): LoopTable | null {
  if (results.improvement_loop === undefined) return null;
  const parsed = loopResultSchema.safeParse(results.improvement_loop);
  return parsed.success ? loopTable(parsed.data) : null;
}

/** "Poisson load at 20 req/s, 4,000 requests per pipeline, warm-up 50"; other load settings stay in results.json. */
function loadFacts(load: unknown): string | null {
  if (load === null || typeof load !== "object") return null;
  const l = load as Record<string, unknown>;
  const num = (key: string): number | undefined => (typeof l[key] === "number" ? (l[key] as number) : undefined);
  const kind = typeof l.kind === "string" ? l.kind : "";
  const parts: string[] = [];
  const rate = num("rate_rps") ?? num("rate");
  const concurrency = num("concurrency");
  let head = kind === "" ? "load" : `${kind.charAt(0).toUpperCase()}${kind.slice(1)} load`;
  if (rate !== undefined) head += ` at ${formatCount(rate)} req/s`;
  if (concurrency !== undefined) head += `, concurrency ${formatCount(concurrency)}`;
  parts.push(head);
  const duration = num("duration_s");
  if (duration !== undefined) parts.push(`${formatCount(duration)} s`);
  const requests = num("requests_per_pipeline") ?? num("items");
  if (requests !== undefined) parts.push(`${formatCount(requests)} requests per pipeline`);
  const warmup = num("warmup");
  if (warmup !== undefined && warmup > 0) parts.push(`warm-up ${formatCount(warmup)}`);
  return parts.join(", ");
}

/** Rows of the dataset that could not be used or scored, as the runner listed them (`{count, rows}`). */
function datasetProblems(value: unknown): ReportModel["datasetProblems"] {
  if (value === null || typeof value !== "object") return null;
  const v = value as { count?: unknown; rows?: unknown };
  const rows = Array.isArray(v.rows) ? v.rows.filter((r): r is Record<string, unknown> => r !== null && typeof r === "object") : [];
  const count = typeof v.count === "number" ? v.count : rows.length;
  if (count === 0) return null;
  return {
    count,
    rows: rows.map((r) => ({
      line: r.line === undefined ? String(r.id ?? "") : String(r.line),
      reason: String(r.reason ?? ""),
      severity: String(r.severity ?? ""),
    })),
  };
}

/** Where the run happened, for judging its latencies: "2 CPUs, load average 16.9 at the start, 94 s". */
function runFacts(run: unknown): string | null {
  if (run === null || typeof run !== "object") return null;
  const r = run as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof r.cpus === "number") parts.push(`${r.cpus} CPUs`);
  if (typeof r.load_average_1m === "number") parts.push(`load average ${r.load_average_1m.toFixed(1)} at the start`);
  if (typeof r.duration_s === "number") parts.push(`${formatCount(Math.round(r.duration_s))} s`);
  return parts.length === 0 ? null : `Ran on ${parts.join(", ")}`;
}

export function buildReportModel(results: PocResults, options: ReportOptions = {}): ReportModel {
  const baseline = baselineName(results, options.baseline);
  const candidate = candidateName(results, baseline);
  const pipelines = buildPipelineViews(results, baseline);
  const rows = buildSummaryRows(results, pipelines);
  const label = qualityLabel(results);
  const sweep = buildSweep(results, pipelines.find((p) => p.name === candidate));
  const recommendation = buildRecommendation(results, sweep);
  const slo = results.slo as { p95_ms?: unknown } | undefined;
  const sloP95Ms = typeof slo?.p95_ms === "number" ? slo.p95_ms : null;
  const facts = [
    `${results.task.kind}`,
    `${formatCount(results.task.n_items)} items`,
    loadFacts(results.load),
    sloP95Ms === null ? null : `SLO: P95 ≤ ${formatMs(sloP95Ms)}`,
    `${results.pipelines.length} pipeline${results.pipelines.length === 1 ? "" : "s"}`,
  ].filter((f): f is string => f !== null);
  return {
    title: options.title ?? `PoC report — ${results.task.name}`,
    taskName: results.task.name,
    kind: results.task.kind,
    qualityLabel: label,
    facts,
    generatedAt: typeof results.generated_at === "string" ? results.generated_at : null,
    frugalVersion: typeof results.frugal_version === "string" ? results.frugal_version : null,
    runFacts: runFacts(results.run),
    partialNote: results.partial === true ? (typeof results.partial_note === "string" ? results.partial_note : "the run was interrupted: the figures cover the requests recorded so far") : null,
    datasetProblems: datasetProblems(results.dataset_problems),
    baseline,
    candidate,
    pipelines,
    rows,
    // A run stopped on failures compares nothing: its figures are shown, no ratio is made from them.
    headlines: buildHeadlines(results, pipelines, candidate, label, recommendation, abortedOf(results) !== null),
    sweep,
    recommendation,
    hints: buildHints(results, rows),
    failures: buildFailures(results),
    planning: buildPlanning(results),
    extraction: buildExtraction(results),
    gpu: buildGpu(results),
    improvementLoop: improvementLoopOf(results),
    sloP95Ms,
    run: buildRunFacts(results),
  };
}
