/**
 * The plain-text summary the CLI prints after a PoC: one column per pipeline, each figure tagged with its provenance, then
 * the recommended threshold and what would make modeled figures measured. The report (index.html, summary.md) says more.
 */
import type { Figure, FigureProvenance } from "../core/provenance.ts";
import type { LatencyFigure, PocResults } from "./results-types.ts";

const TAG: Record<FigureProvenance, string> = { measured: "measured", modeled: "modeled", mixed: "mixed", not_measured: "not measured" };

function num(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  if (value !== 0 && Math.abs(value) < 10 ** -digits) return value.toExponential(2);
  return value.toFixed(digits);
}

function tagged(text: string, provenance: FigureProvenance): string {
  return provenance === "not_measured" ? "not measured" : `${text} (${TAG[provenance]})`;
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? "-" : `${(v * 100).toFixed(1)}%`);

export function formatSummaryTable(results: PocResults): string {
  const rows: Array<[string, ...string[]]> = [];
  const pipelines = results.pipelines;
  const add = (label: string, cell: (m: PocResults["pipelines"][number]["metrics"]) => string): void => {
    rows.push([label, ...pipelines.map((p) => cell(p.metrics))]);
  };
  const fig = (f: Figure, format: (v: number) => string): string => (f.value === null ? "not measured" : tagged(format(f.value), f.provenance));
  const lat = (l: LatencyFigure, key: "p50" | "p95" | "p99"): string => (l[key] === null ? "-" : tagged(`${num(l[key], 0)} ms`, l.provenance));
  add("quality", (m) => {
    const part = m.quality_measured_part as { value: number | null; coverage: number } | undefined;
    if (m.quality.value === null && part?.value !== undefined && part.value !== null) return `not measured (compact part ${pct(part.value)} on ${pct(part.coverage)})`;
    return fig(m.quality, (v) => pct(v));
  });
  add("cost / 1k requests", (m) => fig(m.cost_per_request_usd, (v) => `$${num(v * 1000, 4)}`));
  add("latency P50", (m) => lat(m.latency_ms, "p50"));
  add("latency P95", (m) => lat(m.latency_ms, "p95"));
  add("latency P99", (m) => lat(m.latency_ms, "p99"));
  add("within SLO", (m) => pct(m.slo_attainment));
  add("kWh / 1k requests", (m) => fig(m.kwh_per_1000, (v) => num(v, 4)));
  add("cache hit rate", (m) => pct(m.cache_hit_rate));
  add("escalation rate", (m) => pct(m.escalation_rate));
  add("failed requests", (m) => String(m.failed_requests ?? 0));
  const header: [string, ...string[]] = ["", ...pipelines.map((p) => p.name)];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const out = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  const rec = results.recommendation as { pipeline?: string; threshold?: number | null; basis?: string; reason?: string; quality_target?: number };
  if (rec.threshold !== undefined && rec.threshold !== null) {
    out.push("", `recommended threshold for ${rec.pipeline ?? "the chain"}: ${rec.threshold} (${rec.basis ?? ""}) — ${rec.reason ?? ""}`);
  } else if (rec.reason !== undefined) {
    out.push("", `no recommended threshold: ${rec.reason}`);
  }
  const comparison = results.comparison as Record<string, { cost_cut_factor?: number | null } | string> | undefined;
  if (comparison !== undefined) {
    for (const [name, c] of Object.entries(comparison)) {
      if (typeof c === "string" || c.cost_cut_factor === null || c.cost_cut_factor === undefined) continue;
      const factor = c.cost_cut_factor;
      const how = factor >= 1 ? `${num(factor, 1)}x less` : factor > 0 ? `${num(1 / factor, 1)}x more` : "more";
      out.push(`${name} costs ${how} per request than ${String(comparison.baseline)} (modeled prices)`);
    }
  }
  const hints = results.measure_with as Array<{ env: string[] }> | undefined;
  if (hints !== undefined && hints.length > 0) {
    out.push(`modeled LLM tiers: set ${[...new Set(hints.flatMap((h) => h.env))].join(", ")} to measure them against an OpenAI-compatible endpoint`);
  }
  return out.join("\n");
}
