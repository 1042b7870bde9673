/**
 * Turns a results file into what a report shows: one view per pipeline, the summary table (figures as rows, pipelines as
 * columns, each cell with its provenance) and the headline comparison of the frugal chain against the baseline. The HTML
 * and the Markdown both render this model, so they can never disagree on a figure.
 */
import { CORE_METRIC_KEYS, type LatencyPercentile, type PipelineResult, type PocResults, type RecommendationFields } from "../results/types.ts";
import { formatCount, formatKwh, formatMs, formatNumber, formatShare, formatUsd } from "./format.ts";
import { humanize, qualityLabel } from "./labels.ts";
import { OTHER_COLOR, pipelineColors, tierColors } from "./palette.ts";
import { pricedAsText } from "./run-facts.ts";
import { isFigure, isProvenance, showCounted, showFigure, type Shown } from "./shown.ts";

export interface PipelineView {
  name: string;
  color: string;
  isBaseline: boolean;
  /** "cache → compact → big-llm (llama-3.1-70b)" */
  chain: string;
  tierShare: Array<{ tier: string; kind: string; share: number; color: string }>;
  quality: Shown;
  cost: Shown;
  kwh: Shown;
  p50: Shown;
  p95: Shown;
  p99: Shown;
  /** The latency distribution to draw: the runner's percentile series, else P50/P95/P99. */
  percentiles: LatencyPercentile[];
  latencyProvenance: Shown["provenance"];
  /** When quality is unknown because some answers came from a modeled tier: the quality of those that ran, and their share. */
  measuredPart: { quality: Shown; coverage: number | null } | null;
  /** The price row each tier was costed with, in words (`tiers[].priced_as`); empty for older files. */
  prices: string[];
}

export interface SummaryRow {
  label: string;
  /** What the figure means, shown as the row's tooltip and in the Markdown legend. */
  help: string;
  cells: Shown[];
}

/** Metrics with rows of their own; any other figure-valued metric gets a generic row. */
const KNOWN_METRICS = new Set<string>([...CORE_METRIC_KEYS, "failed_requests", "unscored_items"]);


export function recommendationOf(results: PocResults): RecommendationFields {
  const r = results.recommendation;
  const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  const prov = (v: unknown): RecommendationFields["provenance"] => (isProvenance(v) ? v : undefined);
  const out: RecommendationFields = {};
  const fields: RecommendationFields = {
    pipeline: str(r.pipeline),
    baseline: str(r.baseline),
    threshold: num(r.threshold),
    basis: str(r.basis),
    // An explicit null is kept: the writer says the chain's quality is unknown, not that it forgot it.
    quality: r.quality === null ? null : num(r.quality),
    quality_provenance: prov(r.quality_provenance),
    quality_note: str(r.quality_note),
    assumed_llm_quality: num(r.assumed_llm_quality),
    compact_quality: r.compact_quality === null ? null : num(r.compact_quality),
    coverage: num(r.coverage),
    coverage_of: str(r.coverage_of),
    escalation_rate: num(r.escalation_rate),
    cost_per_request_usd: num(r.cost_per_request_usd),
    cost_provenance: prov(r.cost_provenance),
    cost_note: str(r.cost_note),
    quality_target: num(r.quality_target),
    quality_metric: str(r.quality_metric),
    reason: str(r.reason) ?? str(r.note),
    provenance: prov(r.provenance),
    quality_ci95: interval(r.quality_ci95),
    compact_quality_ci95: interval(r.compact_quality_ci95),
    cost_ci95: interval(r.cost_ci95),
    kwh_per_1000: num(r.kwh_per_1000),
    kwh_ci95: interval(r.kwh_ci95),
    versus_baseline: versusOf(r.versus_baseline),
    quality_verdict: verdict(r.quality_verdict),
    statement: str(r.statement),
    selection: selectionOf(r.selection),
    run_threshold: num(r.run_threshold),
  };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) Object.assign(out, { [key]: value });
  if (out.quality_provenance === undefined && out.basis === "compact_part_meets_target") {
    // Older writers put the compact part's measured quality under `quality` with provenance "modeled" on this basis:
    // it is the compact answers' quality, and the chain's is unknown.
    out.compact_quality ??= out.quality ?? null;
    out.quality = null;
    out.quality_provenance = "not_measured";
  } else if (out.quality_provenance === undefined && out.provenance !== undefined) out.quality_provenance = out.provenance;
  return out;
}

/** A `[lo, hi]` interval as written, or undefined. */
export function interval(v: unknown): [number, number] | undefined {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && Number.isFinite(x)) && (v[0] as number) <= (v[1] as number) ? [v[0] as number, v[1] as number] : undefined;
}

function versusOf(v: unknown): RecommendationFields["versus_baseline"] {
  if (v === null || typeof v !== "object") return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.baseline !== "string") return undefined;
  const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);
  const req = r.requests as { pipeline?: unknown; baseline?: unknown } | undefined;
  return {
    baseline: r.baseline,
    cost_cut_factor: num(r.cost_cut_factor),
    cost_cut_factor_ci95: interval(r.cost_cut_factor_ci95) ?? null,
    kwh_cut_factor: num(r.kwh_cut_factor),
    kwh_cut_factor_ci95: interval(r.kwh_cut_factor_ci95) ?? null,
    requests: { pipeline: num(req?.pipeline) ?? 0, baseline: num(req?.baseline) ?? 0 },
    ...(typeof r.cost_statement === "string" ? { cost_statement: r.cost_statement } : {}),
    ...(typeof r.kwh_statement === "string" ? { kwh_statement: r.kwh_statement } : {}),
  };
}

function verdict(v: unknown): RecommendationFields["quality_verdict"] {
  return v === "meets_target" || v === "below_target" || v === "interval_crosses_target" || v === "unknown" ? v : undefined;
}

function selectionOf(v: unknown): RecommendationFields["selection"] {
  if (v === null || typeof v !== "object") return undefined;
  const s = v as Record<string, unknown>;
  const part = (x: unknown): { items: number; requests: number } | undefined => {
    const p = x as { items?: unknown; requests?: unknown } | null;
    return typeof p?.items === "number" && typeof p.requests === "number" ? { items: p.items, requests: p.requests } : undefined;
  };
  const chosen = part(s.chosen_on);
  const scored = part(s.scored_on);
  if (s.method !== "split_by_item" || chosen === undefined || scored === undefined) return undefined;
  return { method: "split_by_item", seed: typeof s.seed === "number" ? s.seed : 0, chosen_on: chosen, scored_on: scored, ...(typeof s.note === "string" ? { note: s.note } : {}) };
}

/** The pipeline others are compared to: named by the recommendation, else one called "dense", else the first. */
export function baselineName(results: PocResults, override?: string): string {
  const names = results.pipelines.map((p) => p.name);
  const wanted = override ?? recommendationOf(results).baseline;
  if (wanted !== undefined && names.includes(wanted)) return wanted;
  if (names.includes("dense")) return "dense";
  return names[0] ?? "";
}

/** The pipeline the sweep and the headline are about: the recommendation's, else the cheapest non-baseline one. */
export function candidateName(results: PocResults, baseline: string): string | null {
  const named = recommendationOf(results).pipeline;
  if (named !== undefined && named !== baseline && results.pipelines.some((p) => p.name === named)) return named;
  const others = results.pipelines.filter((p) => p.name !== baseline);
  const cost = (p: PipelineResult): number => p.metrics.cost_per_request_usd.value ?? Number.POSITIVE_INFINITY;
  return [...others].sort((a, b) => cost(a) - cost(b))[0]?.name ?? null;
}

export function buildPipelineViews(results: PocResults, baseline: string): PipelineView[] {
  const colors = pipelineColors(results.pipelines.map((p) => p.name), baseline);
  const tierKinds = results.pipelines.flatMap((p) => p.tiers.map((t) => ({ name: t.name, kind: t.kind })));
  const shareNames = results.pipelines.flatMap((p) => Object.keys(p.metrics.tier_share).map((name) => ({ name, kind: "other" })));
  const tiers = tierColors([...tierKinds, ...shareNames]);
  const kindOf = new Map<string, string>();
  for (const t of tierKinds) if (!kindOf.has(t.name)) kindOf.set(t.name, t.kind);
  return results.pipelines.map((p) => {
    const m = p.metrics;
    const latency = m.latency_ms;
    const order = p.tiers.map((t) => t.name);
    const shareEntries = Object.entries(m.tier_share).sort(([a], [b]) => rank(order, a) - rank(order, b));
    const fromPoints: LatencyPercentile[] = [
      { p: 50, ms: latency.p50 },
      { p: 95, ms: latency.p95 },
      { p: 99, ms: latency.p99 },
    ].flatMap((point) => (point.ms === null ? [] : [{ p: point.p, ms: point.ms }]));
    const series = latency.percentiles !== undefined && latency.percentiles.length > 0 ? latency.percentiles : fromPoints;
    const latencyFigure = (value: number | null) => showFigure({ ...latency, value }, formatMs);
    return {
      name: p.name,
      color: colors.get(p.name) ?? OTHER_COLOR,
      isBaseline: p.name === baseline,
      chain: p.tiers.map((t) => (t.model === undefined ? t.name : `${t.name} (${t.model})`)).join(" → "),
      tierShare: shareEntries.map(([tier, share]) => ({ tier, kind: kindOf.get(tier) ?? "other", share, color: tiers.get(tier) ?? OTHER_COLOR })),
      quality: showFigure(m.quality, results.task.kind === "chat" ? formatNumber : (v) => formatShare(v)),
      cost: showFigure(m.cost_per_request_usd, formatUsd),
      kwh: showFigure(m.kwh_per_1000, formatKwh),
      p50: latencyFigure(latency.p50),
      p95: latencyFigure(latency.p95),
      p99: latencyFigure(latency.p99),
      percentiles: [...series].sort((a, b) => a.p - b.p),
      latencyProvenance: latency.provenance,
      measuredPart: measuredPartOf(m.quality_measured_part),
      prices: p.tiers.flatMap((t) => pricedAsText(t.name, t.priced_as) ?? []),
    };
  });
}

function measuredPartOf(value: unknown): PipelineView["measuredPart"] {
  if (!isFigure(value) || value.value === null) return null;
  const coverage = (value as { coverage?: unknown }).coverage;
  return { quality: showFigure(value, (v) => formatShare(v)), coverage: typeof coverage === "number" ? coverage : null };
}

function rank(order: string[], name: string): number {
  const index = order.indexOf(name);
  return index === -1 ? order.length : index;
}

export function buildSummaryRows(results: PocResults, views: PipelineView[]): SummaryRow[] {
  const ps = results.pipelines;
  const slo = results.slo as { p95_ms?: number } | undefined;
  const rows: SummaryRow[] = [
    { label: qualityLabel(results), help: "Share of items answered correctly, scored against the dataset's labels.", cells: views.map((v) => v.quality) },
    { label: "Cost / request", help: "USD per request: provider tokens at catalog prices, self-hosted tiers at $/hour × time.", cells: views.map((v) => v.cost) },
    {
      label: "Cost / 1,000 requests",
      help: "The same cost, per thousand requests.",
      cells: ps.map((p) => {
        const f = p.metrics.cost_per_request_usd;
        const per1000 = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : v * 1000);
        const ci = interval(f.ci95);
        return showFigure({ ...f, value: per1000(f.value), ...(ci !== undefined ? { ci95: [ci[0] * 1000, ci[1] * 1000] } : {}) }, formatUsd);
      }),
    },
    { label: "Latency P50", help: "Median latency, from the scheduled send time (queueing included).", cells: views.map((v) => v.p50) },
    { label: "Latency P95", help: "95th percentile latency, from the scheduled send time.", cells: views.map((v) => v.p95) },
    { label: "Latency P99", help: "99th percentile latency, from the scheduled send time.", cells: views.map((v) => v.p99) },
  ];
  if (ps.some((p) => p.metrics.slo_attainment !== undefined)) {
    rows.push({
      label: slo?.p95_ms === undefined ? "SLO attainment" : `Within SLO (${formatMs(slo.p95_ms)})`,
      help: "Share of requests answered within the SLO latency target; as measured or modeled as the latencies it counts.",
      // Attainment counts latencies, so it inherits their provenance (a modeled LLM latency makes it modeled).
      cells: ps.map((p, i) => ({ ...showCounted(p.metrics.slo_attainment, (v) => formatShare(v), views[i]?.latencyProvenance), details: views[i]?.p95.details ?? [] })),
    });
  }
  rows.push(
    { label: "kWh / 1,000 requests", help: "Energy per thousand requests: GPU telemetry when measured, J/token profiles when modeled.", cells: views.map((v) => v.kwh) },
    {
      label: "Tier share",
      help: "Share of requests each tier answered.",
      cells: views.map((v) => ({ text: v.tierShare.map((t) => `${t.tier} ${formatShare(t.share)}`).join(" · ") || "none", value: null, provenance: "measured", details: [] })),
    },
    { label: "Cache hit rate", help: "Share of requests answered from the cache.", cells: ps.map((p) => showCounted(p.metrics.cache_hit_rate, (v) => formatShare(v))) },
    { label: "Escalation rate", help: "Share of requests the first answering tier passed to a later tier.", cells: ps.map((p) => showCounted(p.metrics.escalation_rate, (v) => formatShare(v))) },
  );
  if (ps.some((p) => p.metrics.failed_requests !== undefined || p.metrics.unscored_items !== undefined)) {
    rows.push(
      { label: "Failed requests", help: "Requests that still failed after retries; counted, not hidden.", cells: ps.map((p) => showCounted(p.metrics.failed_requests ?? null, formatCount)) },
      { label: "Unscored items", help: "Items whose answer could not be scored (reported, not skipped silently).", cells: ps.map((p) => showCounted(p.metrics.unscored_items ?? null, formatCount)) },
    );
  }
  // Figures a runner adds beyond the contract (macro-F1, GPU occupancy...) are shown too, generically.
  const extraKeys = [...new Set(ps.flatMap((p) => Object.keys(p.metrics).filter((k) => !KNOWN_METRICS.has(k) && isFigure(p.metrics[k]))))];
  for (const key of extraKeys) {
    rows.push({
      label: EXTRA_LABELS[key]?.label ?? humanize(key),
      help: EXTRA_LABELS[key]?.help ?? `${key}, as written by the runner.`,
      cells: ps.map((p) => {
        const value = p.metrics[key];
        const format = EXTRA_LABELS[key]?.format ?? formatNumber;
        return isFigure(value) ? showFigure(value, format) : showCounted(null, format);
      }),
    });
  }
  return rows;
}

const EXTRA_LABELS: Record<string, { label: string; help: string; format?: (v: number | null) => string }> = {
  quality_measured_part: {
    label: "Quality, measured part",
    help: "Quality of the answers whose content is known (the tiers that ran), over the share of items they cover.",
    format: (v) => formatShare(v),
  },
  macro_f1: { label: "Macro-F1", help: "Mean of the per-label F1 scores." },
};
