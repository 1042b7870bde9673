/**
 * The results.json contract (`frugal.poc/v1`): what `frugal poc` writes and what every report renderer reads. Keys named in
 * the PoC issue are kept forever; new keys may be added. Each figure carries its provenance.
 */
import type { Figure, FigureProvenance, ProvenancePart } from "../core/provenance.ts";
import type { TaskKind } from "../core/types.ts";

export const RESULTS_SCHEMA = "frugal.poc/v1";

/** The per-pipeline metrics every writer gives (the contract's, plus SLO attainment), in reading order. */
export const CORE_METRIC_KEYS = ["quality", "cost_per_request_usd", "latency_ms", "kwh_per_1000", "tier_share", "cache_hit_rate", "escalation_rate", "slo_attainment"] as const;

export interface LatencyFigure {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  provenance: FigureProvenance;
  parts?: ProvenancePart[];
  note?: string;
  /** The distribution (p in percent: 50, 90, 95, 99, 99.9...) when an HDR histogram was kept; the report draws it. */
  percentiles?: LatencyPercentile[];
}

export interface LatencyPercentile {
  p: number;
  ms: number;
}

/**
 * A 95% interval beside a sampled figure's `value` (src/results/intervals.ts): Wilson for a share of successes, the
 * percentile bootstrap for a mean or a statistic of items or requests. Absent on files written before intervals existed.
 */
export interface Uncertainty {
  ci95?: [number, number] | null;
  /** `wilson`, `bootstrap_items`, `bootstrap_requests`, or `wilson_or_bootstrap_documents` (the wider of the two). */
  ci95_method?: string;
  /** How many units the interval rests on (scored items or fields, requests). */
  ci95_n?: number;
}

export type FigureWithInterval = Figure & Uncertainty;

export interface PipelineMetrics {
  quality: FigureWithInterval;
  cost_per_request_usd: FigureWithInterval;
  latency_ms: LatencyFigure;
  kwh_per_1000: FigureWithInterval;
  /** Share of requests each tier answered, by tier name. */
  tier_share: Record<string, number>;
  cache_hit_rate: number;
  escalation_rate: number;
  /** Share of requests answered within the SLO's P95 target. */
  slo_attainment?: number;
  /** Requests that failed (after retries) and how many items could not be scored. */
  failed_requests?: number;
  unscored_items?: number;
  [extra: string]: unknown;
}

export interface PipelineResult {
  name: string;
  tiers: Array<{ name: string; kind: string; model?: string; [extra: string]: unknown }>;
  metrics: PipelineMetrics;
  [extra: string]: unknown;
}

export interface SweepPoint {
  threshold: number;
  coverage: number;
  quality: number | null;
  cost_per_request_usd: number | null;
  /** Where the point's figures come from; absent, the report takes those of the pipeline the sweep replays. */
  quality_provenance?: FigureProvenance;
  cost_provenance?: FigureProvenance;
  [extra: string]: unknown;
}

export interface PocResults {
  schema: typeof RESULTS_SCHEMA;
  task: { name: string; kind: TaskKind; n_items: number; [extra: string]: unknown };
  pipelines: PipelineResult[];
  sweep: SweepPoint[];
  recommendation: Record<string, unknown>;
  [extra: string]: unknown;
}

// ---- Optional sections the report renders when present (added by the report; all optional, all additive). ----

/**
 * The keys of `recommendation` the report reads (the contract keeps it an open record): the chosen operating point of the
 * sweep, the quality target and the pipeline it applies to; `baseline` names the pipeline others are compared to. Each
 * figure has its own provenance key, as on the sweep points (src/poc/recommendation.ts writes them):
 * `quality` is the chain's (null when not measured), `compact_quality` and `coverage` the measured compact part, the
 * cost modeled.
 */
export interface RecommendationFields {
  pipeline?: string;
  baseline?: string;
  threshold?: number;
  /** `measured`, `assumed_llm_quality`, `compact_part_meets_target` or `none` (src/cascade/sweep.ts). */
  basis?: string;
  /** The chain's quality at the threshold; null when not measured. */
  quality?: number | null;
  quality_provenance?: FigureProvenance;
  quality_note?: string;
  /** The accuracy unknown LLM answers were counted at, when the quality is modeled on that assumption. */
  assumed_llm_quality?: number;
  /** Measured: the quality of the compact answers kept, and the share of units (`coverage_of`) they are. */
  compact_quality?: number | null;
  coverage?: number;
  coverage_of?: string;
  escalation_rate?: number;
  cost_per_request_usd?: number | null;
  cost_provenance?: FigureProvenance;
  cost_note?: string;
  quality_target?: number;
  quality_metric?: string;
  reason?: string;
  /** 95% intervals of `quality`, `compact_quality` and the cost, on the held-out items they were scored on. */
  quality_ci95?: [number, number] | null;
  compact_quality_ci95?: [number, number] | null;
  cost_ci95?: [number, number] | null;
  /** Energy at this threshold, kWh per 1,000 requests (modeled, replayed like the cost). */
  kwh_per_1000?: number | null;
  kwh_ci95?: [number, number] | null;
  /** The recommended point against the baseline: cost and energy cut factors, each with its interval and in words. */
  versus_baseline?: RecommendationVersusBaseline;
  /** Where the quality's interval stands against the target; `unknown` when the quality is not known. */
  quality_verdict?: "meets_target" | "below_target" | "interval_crosses_target" | "unknown";
  /** The recommendation in words, with its interval ("too few items to conclude" when it crosses the target). */
  statement?: string;
  /** How the threshold was chosen apart from the data its figures are scored on. */
  selection?: RecommendationSelection;
  /** The threshold the run itself used (the compact tier's own). */
  run_threshold?: number | null;
  /** Older writers: one provenance for the whole point (ambiguous; read only for compatibility). */
  provenance?: FigureProvenance;
}

/**
 * The threshold is chosen on one part of the items (`chosen_on`) and its figures are scored on the other (`scored_on`),
 * split by a seeded hash of the item id, so a recommendation is not graded on the data that picked it.
 */
export interface RecommendationSelection {
  method: "split_by_item";
  seed: number;
  chosen_on: { items: number; requests: number };
  scored_on: { items: number; requests: number };
  /** The chosen threshold's figures on the half that chose it, for comparison (optimistic by construction). */
  chosen_on_quality?: number | null;
  chosen_on_compact_quality?: number | null;
  note?: string;
}

export interface RecommendationVersusBaseline {
  baseline: string;
  cost_cut_factor: number | null;
  cost_cut_factor_ci95: [number, number] | null;
  kwh_cut_factor: number | null;
  kwh_cut_factor_ci95: [number, number] | null;
  requests: { pipeline: number; baseline: number };
  cost_statement?: string;
  kwh_statement?: string;
}

/** One pipeline against the baseline (`comparison.<pipeline>`): each ratio with its 95% bootstrap interval over requests. */
export interface ComparisonEntry {
  cost_ratio_vs_baseline: number | null;
  cost_ratio_vs_baseline_ci95?: [number, number] | null;
  cost_cut_factor: number | null;
  cost_cut_factor_ci95?: [number, number] | null;
  kwh_ratio_vs_baseline: number | null;
  kwh_ratio_vs_baseline_ci95?: [number, number] | null;
  kwh_cut_factor?: number | null;
  kwh_cut_factor_ci95?: [number, number] | null;
  p95_ratio_vs_baseline: number | null;
  /** The requests each side's interval rests on. */
  requests?: { pipeline: number; baseline: number };
  /** The cost comparison in words: the interval, or why there is no conclusion ("the interval crosses 1"). */
  cost_statement?: string;
  kwh_statement?: string;
  provenance?: string;
  note?: string;
}

/** Environment variables that would turn modeled figures into measured ones, and which figures they would. */
export interface MeasurementHint {
  env: string[];
  makes_measured: string;
}

/** A request that failed after retries (`stage: "request"`) or an item that could not be scored (`stage: "scoring"`). */
export interface FailedRow {
  item: string;
  pipeline: string;
  stage: "request" | "scoring";
  tier?: string;
  code?: string;
  message: string;
  attempts?: number;
}

/** A cell of a planning row: plain values, or a figure with its provenance. */
export type PlanningCell = string | number | boolean | null | Figure;

/** Written by the planner (src/plan); the report renders it generically as a table plus notes. */
export interface PlanningSection {
  title?: string;
  rows: Array<Record<string, PlanningCell>>;
  notes?: string[];
}

export interface ExtractionPipelineResult {
  name: string;
  field_accuracy: Record<string, FigureWithInterval>;
  mean_field_accuracy?: FigureWithInterval;
  /** Input tokens not sent thanks to prompt reduction, against sending the full document (per request, and as a share). */
  input_tokens_saved_per_request?: Figure;
  input_tokens_saved_share?: Figure;
}

export interface ExtractionSection {
  fields: string[];
  pipelines: ExtractionPipelineResult[];
}

export interface GpuTelemetrySample {
  t_s: number;
  utilization_pct: number | null;
  memory_used_mib: number | null;
  power_w: number | null;
}

/** Sampled from nvidia-smi during the run: measured occupancy and energy. Figure-valued keys are shown as they come. */
export interface GpuTelemetrySection {
  source?: string;
  gpus?: string[];
  utilization_pct?: Figure;
  memory_used_mib?: Figure;
  power_w?: Figure;
  energy_kwh?: Figure;
  samples?: GpuTelemetrySample[];
  [extra: string]: unknown;
}

/**
 * Optional top-level keys of results.json that the report reads. `PocResults` stays open (`[extra: string]: unknown`);
 * a writer that wants the compiler's help types its object as `PocResults & PocResultsExtras`.
 */
export interface PocResultsExtras {
  generated_at?: string;
  frugal_version?: string;
  slo?: { p95_ms: number };
  /** How the load was applied, e.g. `{ kind: "poisson", rate_rps: 20, items: 3080, warmup: 50 }`. */
  load?: { kind: string; [extra: string]: unknown };
  measure_with?: MeasurementHint[];
  failures?: FailedRow[];
  planning?: PlanningSection;
  extraction?: ExtractionSection;
  gpu_telemetry?: GpuTelemetrySection;
  /** The share of failed requests above which a pipeline stops the run (poc.yaml `failure_limit`). */
  failure_limit?: number;
  /** Set when a pipeline passed `failure_limit`: the run stopped, and no comparison nor recommendation is made. */
  aborted?: AbortedRun;
  warmup?: WarmupSection;
  /** With `load.repeat` and a chain with a cache: what the cache saves apart from what the compact tier saves. */
  cache_attribution?: CacheAttribution;
}

// ---- Run integrity: failures, prices, warm-up, repeated traffic (written by src/poc/run-poc.ts). ----

/**
 * The price a tier's cost was computed with (`pipelines[].tiers[].priced_as`). An llm tier is priced per token by the model
 * its endpoint serves (`served_model`), which is not always the config's `model` key.
 */
export interface PricedAs {
  /** tokens: $/1M tokens of `model`; cpu_time: measured CPU time × $/core-hour; none: not priced (a cache lookup). */
  basis: "tokens" | "cpu_time" | "none";
  /** The price row's id (catalog `provider/model`, or the override's model name); null unless priced per token. */
  model: string | null;
  /** Where the price comes from, with its date. */
  source: string;
  usd_per_1m_input: number | null;
  usd_per_1m_output: number | null;
  /** The catalog's version (built-in or `prices.catalog`), or `prices.overrides` for an override row. */
  catalog_version: string;
  origin?: "catalog" | "override";
  as_of?: string;
  /** The model name that was looked up: what the endpoint serves, or the config's `model` when the tier is modeled. */
  served_model?: string;
  /** Where that name came from: an env var (FRUGAL_LLM_MODEL), `tiers.<name>.endpoint.model`, or `tiers.<name>.model`. */
  served_model_from?: string;
  usd_per_core_hour?: number;
}

/** Why a run stopped early on failures; the report says this instead of comparing or recommending. */
export interface AbortedRun {
  reason: string;
  pipeline: string;
  failure_rate: number;
  failed: number;
  completed: number;
  failure_limit: number;
  /** `during_run`: the run stopped there; `at_end`: found when the pipeline finished. */
  detected: "during_run" | "at_end";
  by_code: Record<string, number>;
  /** The first failure's message (what the endpoint answered). */
  example?: string;
}

/** Warm-up requests: sent to every pipeline alike, left out of every figure; what they cost is listed apart. */
export interface WarmupSection {
  requests_per_pipeline: number;
  policy: "excluded";
  cost_usd_by_pipeline: Record<string, number | null>;
  note: string;
}

/** dense → dense with the same cache → the frugal chain: the first step is the cache's saving, the second the compact tier's. */
export interface CacheAttribution {
  baseline: string;
  baseline_with_cache: string;
  chain: string;
  cost_per_request_usd: { baseline: number | null; baseline_with_cache: number | null; chain: number | null };
  saved_by_cache_usd_per_request: number | null;
  saved_by_compact_usd_per_request: number | null;
  repeat: { kind: string; [extra: string]: unknown };
  provenance: "modeled";
  note: string;
}
