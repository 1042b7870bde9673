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

export interface PipelineMetrics {
  quality: Figure;
  cost_per_request_usd: Figure;
  latency_ms: LatencyFigure;
  kwh_per_1000: Figure;
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
  /** Older writers: one provenance for the whole point (ambiguous; read only for compatibility). */
  provenance?: FigureProvenance;
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
  field_accuracy: Record<string, Figure>;
  mean_field_accuracy?: Figure;
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
}
