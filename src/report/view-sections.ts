/**
 * The report's secondary sections: the recommended operating point, the callout that says how to turn modeled figures
 * into measured ones, failed rows, and the optional sections other parts of frugal add (planning, extraction, GPU
 * telemetry). Each is null when the results have nothing to say, and the renderers then leave the section out.
 */
import type { FigureProvenance } from "../core/provenance.ts";
import type { ExtractionSection, FailedRow, GpuTelemetrySample, MeasurementHint, PocResults } from "../results/types.ts";
import { formatCount, formatKwh, formatNumber, formatShare, formatUsd } from "./format.ts";
import { humanize } from "./labels.ts";
import { recommendationOf, type PipelineView, type SummaryRow } from "./view-model.ts";
import { isFigure, isProvenance, showCounted, showFigure, type Shown } from "./shown.ts";

export interface SweepView {
  pipeline: string | null;
  /** `quality` is the chain's (measured, or modeled under an assumed LLM accuracy when `assumed`); `compactQuality` the
   * measured quality of the compact answers kept, on `coverage` of the units. */
  points: Array<{ threshold: number; coverage: number; quality: Shown; cost: Shown; assumed: boolean; compactQuality: number | null }>;
}

export interface RecommendationView {
  pipeline: string | null;
  threshold: number | null;
  basis: string | null;
  /** The basis in words. */
  basisText: string | null;
  /** The chain's quality: measured, modeled under a stated assumption, or not measured. */
  quality: Shown;
  /** The measured quality of the compact answers kept, when known. */
  compactQuality: Shown | null;
  coverage: Shown;
  /** What `coverage` counts: "requests", "fields". */
  coverageOf: string;
  escalation: Shown | null;
  cost: Shown;
  qualityTarget: number | null;
  reason: string | null;
  /** Energy at this threshold (modeled), when the writer replayed it. */
  kwh: Shown | null;
  /** How the threshold was chosen apart from the items it is scored on, in words. */
  selection: string | null;
  /** The verdict against the target with the interval ("…crosses the 95.0% target — too few items to conclude"). */
  statement: string | null;
  /** The threshold the run itself used. */
  runThreshold: number | null;
  /** The recommended point against the baseline, in words, each with its interval. */
  versus: string[];
}

export interface HintsView {
  hints: MeasurementHint[];
  /** Cells of the summary table that are modeled, or mixed with a modeled part; and those not measured. */
  modeledFigures: number;
  notMeasuredFigures: number;
}

export interface FailuresView {
  total: number;
  rows: FailedRow[];
  byPipeline: Array<{ pipeline: string; request: number; scoring: number }>;
}

export type TableCell = Shown | string;

export interface GpuView {
  source: string | null;
  gpus: string[];
  stats: Array<{ label: string; shown: Shown }>;
  samples: GpuTelemetrySample[];
}

const FAILED_ROWS_SHOWN = 50;

function provenanceOr(value: unknown, fallback: FigureProvenance): FigureProvenance {
  return isProvenance(value) ? value : fallback;
}

/**
 * Sweep points carry no provenance in the contract; unless a point says otherwise (`quality_provenance`,
 * `cost_provenance`) it is the candidate pipeline replayed at another threshold, so it inherits that pipeline's. A point
 * whose chain quality is unknown (a modeled LLM) but which carries `quality_assumed` (the LLM's answers counted at an
 * assumed accuracy) shows that instead, as modeled and flagged `assumed`.
 */
export function buildSweep(results: PocResults, candidate: PipelineView | undefined): SweepView {
  const qualityFrom = candidate?.quality.provenance ?? "measured";
  const costFrom = candidate?.cost.provenance ?? "measured";
  const points = [...results.sweep]
    .sort((a, b) => a.threshold - b.threshold)
    .map((point) => {
      const assumed = point.quality === null && typeof point.quality_assumed === "number" && Number.isFinite(point.quality_assumed);
      const quality = assumed
        ? showFigure({ value: point.quality_assumed as number, provenance: "modeled", note: "LLM answers counted at the assumed LLM quality" }, (v) => formatShare(v))
        : showFigure({ value: point.quality, provenance: provenanceOr(point.quality_provenance, qualityFrom) }, (v) => formatShare(v));
      return {
        threshold: point.threshold,
        coverage: point.coverage,
        quality,
        assumed,
        // Quality of the compact answers kept (measured on the share kept): known even when the LLM's answers are not.
        compactQuality: typeof point.compact_quality === "number" && Number.isFinite(point.compact_quality) ? point.compact_quality : null,
        cost: showFigure({ value: point.cost_per_request_usd, provenance: provenanceOr(point.cost_provenance, costFrom) }, formatUsd),
      };
    });
  return { pipeline: candidate?.name ?? null, points };
}

const BASIS_TEXT: Record<string, string> = {
  measured: "the chain's measured quality meets the target",
  assumed_llm_quality: "the chain meets the target only under the stated LLM accuracy (modeled, not measured)",
  compact_part_meets_target: "the compact answers kept meet the target on their own (measured); the chain's quality is not measured",
  none: "no threshold meets the target",
};

export function buildRecommendation(results: PocResults, sweep: SweepView): RecommendationView | null {
  const r = recommendationOf(results);
  if (r.threshold === undefined && r.pipeline === undefined && r.reason === undefined) return null;
  // A recommendation may name only its threshold; its figures are then those of the matching sweep point. When it states
  // how its quality is known (`quality_provenance`), that statement is taken as is, a null included.
  const point = r.threshold === undefined ? undefined : sweep.points.find((p) => Math.abs(p.threshold - (r.threshold ?? Number.NaN)) < 1e-9);
  const qualityDetails = [r.quality_note, r.assumed_llm_quality === undefined ? undefined : `assumed LLM accuracy: ${formatShare(r.assumed_llm_quality)}`].filter((d): d is string => d !== undefined);
  // Without a stated provenance (older writers), a stated quality takes the provenance of its sweep point.
  const qualityProvenance = r.quality_provenance ?? (r.quality === undefined ? undefined : (point?.quality.provenance ?? "measured"));
  const ci = (bounds: [number, number] | null | undefined) => (bounds === undefined || bounds === null ? {} : { ci95: bounds });
  const quality: Shown =
    qualityProvenance !== undefined
      ? { ...showFigure({ value: r.quality ?? null, provenance: qualityProvenance, ...ci(r.quality_ci95) }, (v) => formatShare(v)), details: qualityDetails }
      : (point?.quality ?? showCounted(null, formatShare));
  const coverageValue = r.coverage ?? point?.coverage ?? null;
  const coverageOf = r.coverage_of ?? "requests";
  const compactValue = r.compact_quality ?? point?.compactQuality ?? null;
  const compactQuality =
    compactValue === null
      ? null
      : { ...showFigure({ value: compactValue, provenance: "measured", ...ci(r.compact_quality_ci95) }, (v) => formatShare(v)), details: [`on the ${formatShare(coverageValue)} of ${coverageOf} the compact tier keeps at this threshold`] };
  const costNote = r.cost_note === undefined ? [] : [r.cost_note];
  const cost: Shown =
    r.cost_per_request_usd !== undefined && r.cost_per_request_usd !== null
      ? showFigure({ value: r.cost_per_request_usd, provenance: r.cost_provenance ?? point?.cost.provenance ?? "modeled", ...ci(r.cost_ci95), ...(r.cost_note !== undefined ? { note: r.cost_note } : {}) }, formatUsd)
      : { ...(point?.cost ?? showCounted(null, formatUsd)), details: [...(point?.cost.details ?? []), ...costNote] };
  return {
    pipeline: r.pipeline ?? sweep.pipeline,
    threshold: r.threshold ?? null,
    basis: r.basis ?? null,
    basisText: r.basis === undefined ? null : (BASIS_TEXT[r.basis] ?? r.basis),
    quality,
    compactQuality,
    coverage: showCounted(coverageValue, (v) => formatShare(v)),
    coverageOf,
    escalation: r.escalation_rate === undefined ? null : showCounted(r.escalation_rate, (v) => formatShare(v)),
    cost,
    qualityTarget: r.quality_target ?? null,
    reason: r.reason ?? null,
    kwh: r.kwh_per_1000 === undefined ? null : showFigure({ value: r.kwh_per_1000, provenance: "modeled", ...ci(r.kwh_ci95) }, formatKwh),
    selection:
      r.selection === undefined
        ? null
        : `chosen on ${formatCount(r.selection.chosen_on.items)} items, every figure here scored on the other ${formatCount(r.selection.scored_on.items)} (${formatCount(r.selection.scored_on.requests)} requests; seeded split by item id), so the threshold is not graded on the items that picked it`,
    statement: r.statement ?? null,
    runThreshold: r.run_threshold ?? null,
    versus: [r.versus_baseline?.cost_statement, r.versus_baseline?.kwh_statement].filter((t): t is string => t !== undefined),
  };
}

const ENV_VAR = /\bFRUGAL_[A-Z0-9_]+\b/g;

/** The results' own hints, or, for older writers, the FRUGAL_* variables their figure notes mention. */
export function buildHints(results: PocResults, rows: SummaryRow[]): HintsView {
  const cells = rows.flatMap((row) => row.cells);
  const modeledFigures = cells.filter((c) => c.provenance === "modeled" || (c.provenance === "mixed" && c.details.some((d) => d.includes("modeled")))).length;
  const notMeasuredFigures = cells.filter((c) => c.provenance === "not_measured").length;
  const given = Array.isArray(results.measure_with) ? (results.measure_with as MeasurementHint[]) : [];
  if (given.length > 0) return { hints: given, modeledFigures, notMeasuredFigures };
  const mentioned = new Set<string>();
  for (const cell of cells) for (const line of cell.details) for (const match of line.match(ENV_VAR) ?? []) mentioned.add(match);
  const hints = mentioned.size === 0 ? [] : [{ env: [...mentioned].sort(), makes_measured: "the figures whose notes name them" }];
  return { hints, modeledFigures, notMeasuredFigures };
}

export function buildFailures(results: PocResults): FailuresView | null {
  const rows = Array.isArray(results.failures) ? (results.failures as FailedRow[]) : [];
  if (rows.length === 0) return null;
  const counts = new Map<string, { request: number; scoring: number }>();
  for (const row of rows) {
    const entry = counts.get(row.pipeline) ?? { request: 0, scoring: 0 };
    entry[row.stage === "scoring" ? "scoring" : "request"] += 1;
    counts.set(row.pipeline, entry);
  }
  // The runner may list only the first rows; `failures_total` then counts them all.
  const total = typeof results.failures_total === "number" ? Math.max(results.failures_total, rows.length) : rows.length;
  return {
    total,
    rows: rows.slice(0, FAILED_ROWS_SHOWN),
    byPipeline: [...counts.entries()].map(([pipeline, c]) => ({ pipeline, ...c })),
  };
}

export function buildExtraction(results: PocResults): { columns: string[]; rows: SummaryRow[] } | null {
  const extraction = results.extraction as ExtractionSection | undefined;
  if (extraction === undefined || extraction.pipelines.length === 0) return null;
  const ps = extraction.pipelines;
  const share = (v: number | null) => formatShare(v);
  const rows: SummaryRow[] = extraction.fields.map((field) => ({
    label: field,
    help: `Exact match of the field "${field}".`,
    cells: ps.map((p) => {
      const figure = p.field_accuracy[field];
      return figure === undefined ? showCounted(null, share) : showFigure(figure, share);
    }),
  }));
  const optional = (label: string, help: string, pick: (p: (typeof ps)[number]) => unknown, format: (v: number | null) => string) => {
    if (!ps.some((p) => pick(p) !== undefined)) return;
    rows.push({ label, help, cells: ps.map((p) => { const f = pick(p); return isFigure(f) ? showFigure(f, format) : showCounted(null, format); }) });
  };
  optional("Mean field exact match", "Mean of the per-field exact matches.", (p) => p.mean_field_accuracy, share);
  optional("Input tokens saved / request", "Prompt reduction: tokens not sent, against sending the whole document.", (p) => p.input_tokens_saved_per_request, formatNumber);
  optional("Input tokens saved (share)", "Prompt reduction as a share of the full document's tokens.", (p) => p.input_tokens_saved_share, share);
  return { columns: ps.map((p) => p.name), rows };
}

export function buildGpu(results: PocResults): GpuView | null {
  const gpu = results.gpu_telemetry as Record<string, unknown> | undefined;
  if (gpu === undefined || gpu === null) return null;
  const stats = Object.entries(gpu)
    .flatMap(([key, value]) => (isFigure(value) ? [{ label: humanize(key), shown: showFigure(value, formatNumber) }] : []));
  const samples = Array.isArray(gpu.samples) ? (gpu.samples as GpuTelemetrySample[]) : [];
  const gpus = Array.isArray(gpu.gpus) ? gpu.gpus.filter((g): g is string => typeof g === "string") : [];
  if (stats.length === 0 && samples.length === 0) return null;
  return { source: typeof gpu.source === "string" ? gpu.source : null, gpus, stats, samples };
}
