/**
 * Per-pipeline figures computed from its request records: quality, cost, latency percentiles and SLO attainment, energy,
 * tier share, cache hit and escalation rates, failures and unscored items. Each figure carries its provenance; a figure
 * built from measured and modeled parts is `mixed` and lists them.
 *
 * Conventions (documented in the README, "Figures and their provenance"):
 * - A failed request (no answer after retries and fallbacks) counts as a wrong answer: a failure is a business error.
 * - Cost and energy come from price tables and energy profiles, so they are `modeled`; `quantity_provenance` says whether
 *   the tokens and CPU time they price were measured.
 * - Latency is measured from the scheduled send time. A modeled tier returns at once and adds its modeled latency to the
 *   request's total, which is then `mixed`; the measured part alone is reported beside it.
 */
import type { ProvenancePart } from "../core/provenance.ts";
import { histogramOf } from "./histogram.ts";
import { classifyIntervals, fieldIntervals, requestMeanInterval } from "./metric-intervals.ts";
import type { RequestRecord } from "./records.ts";
import type { FigureWithInterval, LatencyFigure, PipelineMetrics } from "../results/types.ts";
import { fieldAccuracy, macroF1, MODELED_CONTENT } from "./score.ts";

export interface MetricsContext {
  kind: "classify" | "extract";
  metric: "accuracy" | "macro_f1" | "field_exact_match";
  fields: readonly string[];
  sloP95Ms: number;
  /** Tier name → kind and whether it is modeled, for shares and notes. */
  tiers: ReadonlyArray<{ name: string; kind: string; modeled: boolean }>;
  /** Shown on not_measured quality: what makes the LLM measured. */
  measuredHint: string;
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function qualityFigure(
  records: RequestRecord[],
  context: MetricsContext,
  lookupGold: (record: RequestRecord) => string | undefined,
): { figure: FigureWithInterval; extra: Record<string, unknown> } {
  const extra: Record<string, unknown> = {};
  let value: number | null;
  let unknown: number;
  let coverage: number;
  // The 95% interval of the headline quality (and of its measured part when the whole is unknown): same units, same items.
  let interval: ReturnType<typeof classifyIntervals>["accuracy"];
  if (context.kind === "classify") {
    const scored = records.filter((r) => r.correct !== null);
    unknown = records.filter((r) => r.unscored === MODELED_CONTENT).length;
    coverage = scored.length + unknown === 0 ? 0 : scored.length / (scored.length + unknown);
    const accuracy = scored.length === 0 ? null : scored.filter((r) => r.correct === true).length / scored.length;
    const pairs = scored.map((r) => ({ gold: lookupGold(r) ?? "", predicted: r.output?.kind === "classify" ? r.output.label : "(failed)" }));
    const f1 = macroF1(pairs);
    const intervals = classifyIntervals(pairs);
    extra.accuracy = accuracy;
    extra.macro_f1 = f1;
    if (intervals.accuracy.ci95 !== undefined) extra.accuracy_ci95 = intervals.accuracy.ci95;
    if (intervals.macroF1.ci95 !== undefined) extra.macro_f1_ci95 = intervals.macroF1.ci95;
    value = context.metric === "macro_f1" ? f1 : accuracy;
    interval = context.metric === "macro_f1" ? intervals.macroF1 : intervals.accuracy;
  } else {
    const rows = records.filter((r) => r.field_correct !== undefined).map((r) => r.field_correct as Record<string, boolean | null>);
    const accuracy = fieldAccuracy(rows, context.fields);
    const intervals = fieldIntervals(rows, context.fields);
    extra.field_accuracy = accuracy.perField;
    extra.field_accuracy_ci95 = Object.fromEntries(Object.entries(intervals.perField).map(([f, u]) => [f, u.ci95 ?? null]));
    extra.field_accuracy_n = Object.fromEntries(Object.entries(intervals.perField).map(([f, u]) => [f, u.ci95_n ?? 0]));
    value = accuracy.mean;
    interval = intervals.mean;
    const unknownFields = records.reduce((a, r) => a + (r.unknown_fields?.length ?? 0), 0);
    const scoredFields = rows.reduce((a, row) => a + Object.values(row).filter((v) => v !== null).length, 0);
    unknown = records.filter((r) => (r.unknown_fields?.length ?? 0) > 0 || r.unscored === MODELED_CONTENT).length;
    coverage = scoredFields + unknownFields === 0 ? 0 : scoredFields / (scoredFields + unknownFields);
  }
  if (unknown > 0) {
    extra.quality_measured_part = {
      value,
      ...(value === null ? {} : interval),
      coverage,
      provenance: "measured",
      note: "quality of the answers whose content is known (the tiers that ran), over the share of scorable units they cover",
    };
    return {
      figure: {
        value: null,
        provenance: "not_measured",
        note: `${unknown} of ${records.length} requests were (partly) answered by a modeled LLM tier, whose answers have no content. ${context.measuredHint}`,
      },
      extra,
    };
  }
  return { figure: value === null ? { value: null, provenance: "not_measured", note: "no scorable answers" } : { value, provenance: "measured", ...interval }, extra };
}

function latencyFigure(records: RequestRecord[], context: MetricsContext): { figure: LatencyFigure; extra: Record<string, unknown> } {
  const total = histogramOf(records.map((r) => r.latency.total_ms));
  const measuredPart = histogramOf(records.map((r) => r.latency.measured_ms));
  const modeledSum = records.reduce((a, r) => a + r.latency.modeled_ms, 0);
  const totalSum = records.reduce((a, r) => a + r.latency.total_ms, 0);
  const parts: ProvenancePart[] = [];
  if (modeledSum > 0) {
    parts.push({ source: "measured here: scheduled send → answer (queueing, cache, compact, measured tiers)", provenance: "measured", share: 1 - modeledSum / totalSum });
    for (const tier of context.tiers.filter((t) => t.modeled)) {
      const sum = records.reduce((a, r) => a + r.steps.filter((s) => s.tier === tier.name && s.latency_provenance === "modeled").reduce((b, s) => b + (s.latency_ms ?? 0), 0), 0);
      if (sum > 0) parts.push({ source: `${tier.name} (modeled by the planner)`, provenance: "modeled", share: sum / totalSum });
    }
  }
  const s = total.summary();
  const figure: LatencyFigure = { p50: s.p50, p95: s.p95, p99: s.p99, provenance: modeledSum > 0 ? "mixed" : "measured" };
  if (total.count > 0) {
    figure.percentiles = [50, 75, 90, 95, 99, 99.9].map((p) => ({ p, ms: total.percentile(p) as number }));
  }
  if (parts.length > 0) {
    figure.parts = parts;
    figure.note = "per request: measured time from the scheduled send + the modeled latency of the modeled tiers on its path (they return at once; nothing sleeps)";
  }
  const m = measuredPart.summary();
  return {
    figure,
    extra: {
      latency_measured_part_ms: { p50: m.p50, p95: m.p95, p99: m.p99, max: m.max, provenance: "measured" },
      latency_p999_ms: s.p999,
      latency_max_ms: s.max,
      slo_attainment: records.length === 0 ? 0 : records.filter((r) => r.ok && r.latency.total_ms <= context.sloP95Ms).length / records.length,
    },
  };
}

function quantityProvenance(records: RequestRecord[], what: "cost" | "energy"): { provenance: "measured" | "modeled" | "mixed"; parts: ProvenancePart[] } {
  const byTier = new Map<string, { value: number; measured: boolean }>();
  let total = 0;
  for (const r of records) {
    for (const s of r.steps) {
      const value = (what === "cost" ? s.cost_usd : s.energy_j) ?? 0;
      if (value === 0) continue;
      const measured = s.kind === "compact" ? true : s.token_provenance === "measured" && s.modeled !== true;
      const prev = byTier.get(s.tier) ?? { value: 0, measured };
      byTier.set(s.tier, { value: prev.value + value, measured: prev.measured && measured });
      total += value;
    }
  }
  const parts: ProvenancePart[] = [...byTier.entries()].map(([tier, v]) => ({
    source: `${tier}: ${v.measured ? "measured" : "modeled"} ${what === "cost" ? "usage" : "usage"} × ${what === "cost" ? "price table" : "energy profile"}`,
    provenance: v.measured ? "measured" : "modeled",
    share: total === 0 ? 0 : v.value / total,
  }));
  const kinds = new Set(parts.map((p) => p.provenance));
  return { provenance: kinds.size > 1 ? "mixed" : kinds.has("modeled") ? "modeled" : "measured", parts };
}

export function pipelineMetrics(records: RequestRecord[], context: MetricsContext, lookupGold: (record: RequestRecord) => string | undefined): PipelineMetrics {
  const n = records.length;
  const quality = qualityFigure(records, context, lookupGold);
  const latency = latencyFigure(records, context);
  const costs = records.map((r) => r.cost_usd);
  const energies = records.map((r) => r.energy_j);
  const costQuantity = quantityProvenance(records, "cost");
  const energyQuantity = quantityProvenance(records, "energy");
  const meanCost = costs.some((c) => c === null) ? null : mean(costs as number[]);
  const meanEnergy = energies.some((e) => e === null) ? null : mean(energies as number[]);
  const tierShare: Record<string, number> = {};
  for (const tier of context.tiers) tierShare[tier.name] = 0;
  for (const r of records) if (r.answered_by !== null && r.ok) tierShare[r.answered_by] = (tierShare[r.answered_by] ?? 0) + 1;
  // Counts first, one division after: adding 1/n n times can overshoot 1 by a rounding error.
  for (const name of Object.keys(tierShare)) tierShare[name] = n === 0 ? 0 : (tierShare[name] as number) / n;
  const cacheTiers = new Set(context.tiers.filter((t) => t.kind === "cache").map((t) => t.name));
  const llmSteps = records.flatMap((r) => r.steps.filter((s) => s.kind === "llm" && s.prompt_tokens !== undefined));
  const promptSent = llmSteps.reduce((a, s) => a + (s.prompt_tokens?.sent ?? 0), 0);
  const promptFull = llmSteps.reduce((a, s) => a + (s.prompt_tokens?.full ?? 0), 0);
  return {
    quality: quality.figure,
    cost_per_request_usd:
      meanCost === null
        ? { value: null, provenance: "not_measured", note: "a tier's cost is unknown (no price for its model)" }
        : {
            value: meanCost,
            provenance: "modeled",
            ...requestMeanInterval(costs),
            parts: costQuantity.parts,
            note: "usage × dated list prices / $/core-hour (see meter); parts say whether the usage was measured; ci95: bootstrap over this run's requests (the prices themselves carry no interval)",
          },
    latency_ms: latency.figure,
    kwh_per_1000:
      meanEnergy === null
        ? { value: null, provenance: "not_measured", note: "a tier has no energy profile" }
        : {
            value: (meanEnergy * 1000) / 3.6e6,
            provenance: "modeled",
            ...requestMeanInterval(energies, 1000 / 3.6e6),
            parts: energyQuantity.parts,
            note: "usage × J/token profiles and W/core (see meter); ci95: bootstrap over this run's requests",
          },
    tier_share: tierShare,
    cache_hit_rate: n === 0 ? 0 : records.filter((r) => r.answered_by !== null && cacheTiers.has(r.answered_by)).length / n,
    escalation_rate: n === 0 ? 0 : records.filter((r) => r.escalated).length / n,
    slo_attainment: latency.extra.slo_attainment as number,
    failed_requests: records.filter((r) => !r.ok).length,
    unscored_items: records.filter((r) => r.correct === null).length,
    requests: n,
    ...quality.extra,
    ...latency.extra,
    cost_quantity_provenance: costQuantity.provenance,
    tokens_per_request: { input: mean(records.map((r) => r.tokens.input)), output: mean(records.map((r) => r.tokens.output)) },
    fallback_rate: n === 0 ? 0 : records.filter((r) => r.fell_back).length / n,
    routed_rate: n === 0 ? 0 : records.filter((r) => r.routed_by !== undefined).length / n,
    degraded_requests: records.filter((r) => r.degraded).length,
    errors_by_code: countBy(records.filter((r) => r.error !== undefined).map((r) => r.error?.code ?? "unknown")),
    ...(llmSteps.length > 0 && promptFull > 0
      ? {
          prompt_reduction: {
            llm_calls: llmSteps.length,
            input_tokens_sent: promptSent,
            input_tokens_full_document: promptFull,
            saved_share: 1 - promptSent / promptFull,
            provenance: "modeled",
            note: "both counted with the same tokenizer (o200k_base): the prompt sent vs the full document asking for every field",
          },
        }
      : {}),
  };
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
