/**
 * The plain-text summary the CLI prints after a PoC: one column per pipeline, each figure tagged with its provenance, then
 * the recommended threshold (each of its figures with its own provenance) and what would make modeled figures measured.
 * The report (index.html, summary.md) says more. Numbers go through the report's one formatting module. Each sampled
 * figure has its 95% interval on the line under it, and comparisons are sentences that say when the interval crosses 1.
 */
import type { FigureProvenance } from "../core/provenance.ts";
import { formatCount, formatKwh, formatMs, formatRatio, formatShare, formatUsd, PROVENANCE_LABEL } from "../report/format.ts";
import { formatRange, intervalNote } from "../report/uncertainty-words.ts";
import { recommendationOf } from "../report/view-model.ts";
import type { ComparisonEntry, FigureWithInterval, LatencyFigure, PocResults } from "../results/types.ts";

function tagged(text: string, provenance: FigureProvenance | undefined): string {
  if (provenance === undefined) return text;
  return provenance === "not_measured" ? PROVENANCE_LABEL.not_measured : `${text} (${PROVENANCE_LABEL[provenance]})`;
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "-" : formatShare(v));

function table(results: PocResults): string[] {
  const rows: Array<[string, ...string[]]> = [];
  const pipelines = results.pipelines;
  const add = (label: string, cell: (m: PocResults["pipelines"][number]["metrics"]) => string): void => {
    rows.push([label, ...pipelines.map((p) => cell(p.metrics))]);
  };
  const fig = (f: FigureWithInterval, format: (v: number) => string): string => (f.value === null ? PROVENANCE_LABEL.not_measured : tagged(format(f.value), f.provenance));
  const ci = (f: FigureWithInterval | undefined, format: (v: number) => string): string =>
    f?.ci95 === null || f?.ci95 === undefined ? "-" : `${formatRange(f.ci95, format)}${f.ci95_n === undefined ? "" : ` (n=${f.ci95_n})`}`;
  const lat = (l: LatencyFigure, key: "p50" | "p95" | "p99"): string => (l[key] === null ? "-" : tagged(formatMs(l[key]), l.provenance));
  add("quality", (m) => {
    const part = m.quality_measured_part as { value: number | null; coverage: number } | undefined;
    if (m.quality.value === null && part?.value !== undefined && part.value !== null) return `not measured (compact part ${pct(part.value)} on ${pct(part.coverage)})`;
    return fig(m.quality, (v) => pct(v));
  });
  add("  95% CI", (m) => ci(m.quality.value === null ? (m.quality_measured_part as FigureWithInterval | undefined) : m.quality, pct));
  add("cost / 1k requests", (m) => fig(m.cost_per_request_usd, (v) => formatUsd(v * 1000)));
  add("  95% CI", (m) => ci(m.cost_per_request_usd, (v) => formatUsd(v * 1000)));
  add("latency P50", (m) => lat(m.latency_ms, "p50"));
  add("latency P95", (m) => lat(m.latency_ms, "p95"));
  add("latency P99", (m) => lat(m.latency_ms, "p99"));
  add("within SLO", (m) => pct(m.slo_attainment));
  add("kWh / 1k requests", (m) => fig(m.kwh_per_1000, formatKwh));
  add("  95% CI", (m) => ci(m.kwh_per_1000, formatKwh));
  add("cache hit rate", (m) => pct(m.cache_hit_rate));
  add("escalation rate", (m) => pct(m.escalation_rate));
  add("failed requests", (m) => String(m.failed_requests ?? 0));
  const header: [string, ...string[]] = ["", ...pipelines.map((p) => p.name)];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The recommended point, one figure a line, so the chain's quality can never be read off the compact part's. */
export function recommendationLines(results: PocResults): string[] {
  const rec = recommendationOf(results);
  if (rec.threshold === undefined) return rec.reason === undefined ? [] : [`no recommended threshold: ${rec.reason}`];
  const of = rec.coverage_of ?? "requests";
  const run = rec.run_threshold === undefined || rec.run_threshold === null ? "" : `; this run used ${Number(rec.run_threshold.toFixed(4))}`;
  const lines = [`recommended threshold for ${rec.pipeline ?? "the chain"}: ${rec.threshold}${rec.basis === undefined ? "" : ` (basis: ${rec.basis})`}${run}`];
  if (rec.selection !== undefined) {
    lines.push(`  chosen on ${formatCount(rec.selection.chosen_on.items)} items, every figure below scored on the other ${formatCount(rec.selection.scored_on.items)} (seeded split by item id)`);
  }
  const quality = rec.quality === null || rec.quality === undefined ? PROVENANCE_LABEL.not_measured : tagged(pct(rec.quality), rec.quality_provenance);
  const qualityCi = rec.quality_ci95 === undefined || rec.quality_ci95 === null ? "" : ` ${intervalNote(rec.quality_ci95, pct)}`;
  lines.push(`  chain quality: ${quality}${qualityCi}${rec.quality_note === undefined ? "" : ` (${rec.quality_note})`}`);
  if (rec.compact_quality !== undefined && rec.compact_quality !== null) {
    const keptCi = rec.compact_quality_ci95 === undefined || rec.compact_quality_ci95 === null ? "" : ` ${intervalNote(rec.compact_quality_ci95, pct)}`;
    lines.push(`  compact answers kept: ${pct(rec.compact_quality)}${keptCi} on ${pct(rec.coverage)} of ${of} (measured)`);
  }
  if (rec.cost_per_request_usd !== undefined && rec.cost_per_request_usd !== null) {
    // The full account of the prices is in results.json and summary.md; one line here.
    const costCi = rec.cost_ci95 === undefined || rec.cost_ci95 === null ? "" : ` ${intervalNote([rec.cost_ci95[0] * 1000, rec.cost_ci95[1] * 1000], formatUsd)}`;
    lines.push(`  cost: ${formatUsd(rec.cost_per_request_usd * 1000)} / 1k requests${costCi} (${PROVENANCE_LABEL[rec.cost_provenance ?? "modeled"]}: price tables × usage; the prices used are in summary.md)`);
  }
  if (rec.statement !== undefined) lines.push(`  verdict: ${rec.statement}`);
  if (rec.reason !== undefined) lines.push(`  why: ${rec.reason}`);
  return lines;
}

export function formatSummaryTable(results: PocResults): string {
  const out = table(results);
  const rec = recommendationLines(results);
  if (rec.length > 0) out.push("", ...rec);
  const comparison = results.comparison as Record<string, Partial<ComparisonEntry> | string> | undefined;
  if (comparison !== undefined) {
    for (const [name, c] of Object.entries(comparison)) {
      if (typeof c === "string") continue;
      // The writer's sentence carries the interval; an older file has only the bare factor.
      if (c.cost_statement !== undefined) {
        out.push(`${c.cost_statement} (modeled prices)`);
        if (c.kwh_statement !== undefined) out.push(`${c.kwh_statement} (modeled energy)`);
        continue;
      }
      if (c.cost_cut_factor === null || c.cost_cut_factor === undefined) continue;
      const factor = c.cost_cut_factor;
      const how = factor >= 1 ? `${formatRatio(factor)} less` : factor > 0 ? `${formatRatio(1 / factor)} more` : "more";
      out.push(`${name} costs ${how} per request than ${String(comparison.baseline)} (modeled prices; no interval in this results file)`);
    }
  }
  const hints = results.measure_with as Array<{ env: string[] }> | undefined;
  if (hints !== undefined && hints.length > 0) {
    out.push(`modeled LLM tiers: set ${[...new Set(hints.flatMap((h) => h.env))].join(", ")} to measure them against an OpenAI-compatible endpoint`);
  }
  return out.join("\n");
}
