/**
 * The results.json contract (`frugal.poc/v1`): what `frugal poc` writes and what every report renderer reads. Keys named in
 * the PoC issue are kept forever; new keys may be added. Each figure carries its provenance.
 */
import type { Figure, FigureProvenance, ProvenancePart } from "../core/provenance.ts";
import type { TaskKind } from "../core/types.ts";

export const RESULTS_SCHEMA = "frugal.poc/v1";

export interface LatencyFigure {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  provenance: FigureProvenance;
  parts?: ProvenancePart[];
  note?: string;
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
