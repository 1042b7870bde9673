/**
 * `comparison` in results.json: each pipeline against the baseline, cost and energy per request as ratios with their 95%
 * bootstrap intervals over requests (each pipeline served its own requests, so each side is resampled on its own), and
 * the comparison in words, which says when the interval crosses 1 or the sample is too small to conclude.
 */
import type { Figure } from "../core/provenance.ts";
import { ratioWords } from "../report/uncertainty-words.ts";
import { bootstrapRatio, type Interval } from "../results/intervals.ts";
import type { ComparisonEntry, PipelineResult } from "../results/types.ts";
import type { RequestRecord } from "./records.ts";

export interface ComparedPipeline {
  result: PipelineResult;
  records: readonly RequestRecord[];
}

function ratio(a: Figure | undefined, b: Figure | undefined): number | null {
  if (a === undefined || b === undefined || a.value === null || b.value === null || b.value === 0) return null;
  return a.value / b.value;
}

/** Per-request values, or null when any is unknown (the figure itself is then not measured). */
function perRequest(records: readonly RequestRecord[], pick: (r: RequestRecord) => number | null): number[] | null {
  const values = records.map(pick);
  return values.some((v) => v === null) ? null : (values as number[]);
}

function ratioInterval(top: number[] | null, bottom: number[] | null): Interval | null {
  return top === null || bottom === null ? null : bootstrapRatio(top, bottom);
}

const invert = (ci: Interval | null): Interval | null => (ci === null || ci[0] <= 0 ? null : [1 / ci[1], 1 / ci[0]]);

export function compare(pipelines: readonly ComparedPipeline[], baseline: string): Record<string, ComparisonEntry | string> {
  const base = pipelines.find((p) => p.result.name === baseline);
  const out: Record<string, ComparisonEntry | string> = { baseline };
  if (base === undefined) return out;
  const baseCost = perRequest(base.records, (r) => r.cost_usd);
  const baseEnergy = perRequest(base.records, (r) => r.energy_j);
  for (const p of pipelines) {
    if (p.result.name === baseline) continue;
    const m = p.result.metrics;
    const b = base.result.metrics;
    const costRatioCi = ratioInterval(perRequest(p.records, (r) => r.cost_usd), baseCost);
    const kwhRatioCi = ratioInterval(perRequest(p.records, (r) => r.energy_j), baseEnergy);
    const costCut = ratio(b.cost_per_request_usd, m.cost_per_request_usd);
    const kwhCut = ratio(b.kwh_per_1000, m.kwh_per_1000);
    const n = { candidate: p.records.length, baseline: base.records.length };
    const words = (what: "costs" | "energy", factor: number | null, interval: Interval | null): string | undefined =>
      ratioWords({ name: p.result.name, baseline, factor, interval, n, what }) ?? undefined;
    const entry: ComparisonEntry = {
      cost_ratio_vs_baseline: ratio(m.cost_per_request_usd, b.cost_per_request_usd),
      cost_ratio_vs_baseline_ci95: costRatioCi,
      cost_cut_factor: costCut,
      cost_cut_factor_ci95: invert(costRatioCi),
      kwh_ratio_vs_baseline: ratio(m.kwh_per_1000, b.kwh_per_1000),
      kwh_ratio_vs_baseline_ci95: kwhRatioCi,
      kwh_cut_factor: kwhCut,
      kwh_cut_factor_ci95: invert(kwhRatioCi),
      p95_ratio_vs_baseline: b.latency_ms.p95 === null || m.latency_ms.p95 === null ? null : m.latency_ms.p95 / b.latency_ms.p95,
      requests: { pipeline: n.candidate, baseline: n.baseline },
      provenance: "modeled",
      note: "ratios of figures whose provenance each pipeline lists; modeled wherever either side is. ci95: percentile bootstrap over each pipeline's requests (1,000 resamples, seeded); it covers the sampling of this run's requests, not the price tables",
    };
    const costWords = words("costs", costCut, invert(costRatioCi));
    const kwhWords = words("energy", kwhCut, invert(kwhRatioCi));
    if (costWords !== undefined) entry.cost_statement = costWords;
    if (kwhWords !== undefined) entry.kwh_statement = kwhWords;
    out[p.result.name] = entry;
  }
  return out;
}
