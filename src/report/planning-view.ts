/**
 * The planning section as the report shows it: figures as rows and pipelines as columns, like the summary, so the table
 * keeps the width of its box however many figures the planner writes. Every label names its unit — per request, or per
 * LLM call where it is one (older results files priced energy and cost per LLM call under "per 1000 requests" keys) —
 * and where a planning figure and the summary's figure of the same name differ, a line says both values and why.
 */
import type { PlanningSection, PocResults } from "../results/types.ts";
import { formatKwh, formatMs, formatNumber, formatShare, formatUsd } from "./format.ts";
import { humanize } from "./labels.ts";
import { isFigure, showCounted, showFigure } from "./shown.ts";
import type { TableCell } from "./view-sections.ts";

export interface PlanningRowView {
  label: string;
  help: string;
  cells: TableCell[];
}

export interface PlanningView {
  title: string;
  /** The pipelines planned: the table's columns after the figure's label. */
  columns: string[];
  rows: PlanningRowView[];
  /** Where a planning figure differs from the summary's of the same name: both values, and why. */
  versusSummary: string[];
  notes: string[];
}

type Format = (value: number | null) => string;

/** Known keys: label (with its unit), what it means, how it reads. Old camelCase keys were per LLM call. */
const KEYS: Record<string, { label: string; help: string; format?: Format }> = {
  model: { label: "Model (planner)", help: "The open model the planner sizes for the LLM tier." },
  precision: { label: "Precision", help: "Weights precision." },
  gpu: { label: "GPU", help: "The accelerator the fleet is planned on." },
  tp: { label: "Tensor parallel", help: "GPUs per replica." },
  feasible: { label: "Fits the SLO", help: "Whether a fleet of this GPU meets the SLO at this call rate." },
  reason: { label: "Why not", help: "Why the plan does not fit." },
  llm_calls_per_request: { label: "LLM calls / request", help: "LLM calls this pipeline made per request sent (measured).", format: (v) => formatNumber(v) },
  llm_calls_per_s: { label: "LLM calls / s (sized for)", help: "The LLM call rate observed in the run, which the fleet is sized for.", format: (v) => formatNumber(v) },
  gpus: { label: "GPUs", help: "GPUs the fleet needs." },
  gpu_busy_fraction: { label: "GPU busy", help: "Share of the fleet's time spent computing.", format: (v) => formatShare(v) },
  gpuBusyFraction: { label: "GPU busy", help: "Share of the fleet's time spent computing.", format: (v) => formatShare(v) },
  models_per_server: { label: "Models / server", help: "Model replicas one 8-GPU server holds." },
  modelsPerServer: { label: "Models / server", help: "Model replicas one 8-GPU server holds." },
  llm_call_p95_ms: { label: "LLM call P95, planned fleet", help: "P95 latency of one LLM call on the planned fleet, queueing included (simulated).", format: formatMs },
  p95LatencyMs: { label: "LLM call P95, planned fleet", help: "P95 latency of one LLM call on the planned fleet, queueing included (simulated).", format: formatMs },
  kwh_per_1000_requests: { label: "kWh / 1,000 requests", help: "The fleet's facility energy per 1,000 requests (accelerators + host, × PUE, idle included).", format: formatKwh },
  kwhPer1000Requests: { label: "kWh / 1,000 LLM calls", help: "Facility energy per 1,000 LLM calls (this results file predates per-request planning).", format: formatKwh },
  cloud_usd_per_1000_requests: { label: "Cloud USD / 1,000 requests (rented GPUs)", help: "Renting the planned GPUs by the hour, per 1,000 requests.", format: formatUsd },
  cloudUsdPer1000Requests: { label: "Cloud USD / 1,000 LLM calls (rented GPUs)", help: "Renting the planned GPUs, per 1,000 LLM calls.", format: formatUsd },
  on_prem_usd_per_1000_requests: { label: "On-prem USD / 1,000 requests", help: "Owning the planned GPUs (amortized + power), per 1,000 requests.", format: formatUsd },
  onPremUsdPer1000Requests: { label: "On-prem USD / 1,000 LLM calls", help: "Owning the planned GPUs, per 1,000 LLM calls.", format: formatUsd },
  jPerRequest: { label: "J / LLM call (accelerators)", help: "Accelerator energy of one LLM call." },
  break_even_month: { label: "On-prem break-even (month)", help: "The month owning becomes cheaper than renting." },
  breakEvenMonth: { label: "On-prem break-even (month)", help: "The month owning becomes cheaper than renting." },
};

function cellOf(value: unknown, format: Format): TableCell {
  if (isFigure(value)) return showFigure(value, format);
  if (value === null || value === undefined) return showCounted(null, format);
  if (typeof value === "number") return format(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function numberOf(value: unknown): number | null {
  if (isFigure(value)) return value.value;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Differ by more than 10%: worth a line saying why. */
function differ(a: number, b: number): boolean {
  return Math.abs(a - b) > 0.1 * Math.max(Math.abs(a), Math.abs(b));
}

/** Each planning figure that has a namesake in the summary, set beside it: both values, and why they differ. */
function versusSummary(results: PocResults, rows: PlanningSection["rows"]): string[] {
  const out: string[] = [];
  const kwhOrder: Array<{ name: string; plan: number; summary: number }> = [];
  for (const row of rows) {
    const name = typeof row.pipeline === "string" ? row.pipeline : null;
    const pipeline = results.pipelines.find((p) => p.name === name);
    if (name === null || pipeline === undefined) continue;
    const m = pipeline.metrics;
    const p95 = numberOf(row.llm_call_p95_ms ?? row.p95LatencyMs);
    if (p95 !== null && m.latency_ms.p95 !== null && differ(p95, m.latency_ms.p95)) {
      out.push(
        `${name}: P95 is ${formatMs(m.latency_ms.p95)} in the summary (per request, end to end, the LLM tier's latency modeled as a mean without a fleet's queueing) and ${formatMs(p95)} here (one LLM call on the fleet planned at the observed call rate, queueing included).`,
      );
    }
    const perRequestKwh = numberOf(row.kwh_per_1000_requests);
    const perCallKwh = numberOf(row.kwhPer1000Requests);
    if (perRequestKwh !== null && m.kwh_per_1000.value !== null) {
      kwhOrder.push({ name, plan: perRequestKwh, summary: m.kwh_per_1000.value });
      if (differ(perRequestKwh, m.kwh_per_1000.value)) {
        out.push(
          `${name}: kWh / 1,000 requests is ${formatKwh(m.kwh_per_1000.value)} in the summary (each LLM call's tokens × the meter's J/token profile: accelerators, busy time only) and ${formatKwh(perRequestKwh)} here (the whole fleet sized for the SLO: accelerators + host, × PUE, idle capacity included).`,
        );
      }
    } else if (perCallKwh !== null) {
      out.push(`${name}: this plan's kWh and USD are per 1,000 LLM calls (the file predates per-request planning); the summary's are per 1,000 requests.`);
    }
    const cloud = numberOf(row.cloud_usd_per_1000_requests);
    if (cloud !== null && m.cost_per_request_usd.value !== null && differ(cloud, m.cost_per_request_usd.value * 1000)) {
      out.push(`${name}: cost / 1,000 requests is ${formatUsd(m.cost_per_request_usd.value * 1000)} in the summary (the endpoint's per-token list price) and ${formatUsd(cloud)} here (renting the planned GPUs by the hour).`);
    }
  }
  const [a, b] = kwhOrder;
  if (a !== undefined && b !== undefined && Math.sign(a.plan - b.plan) !== Math.sign(a.summary - b.summary)) {
    out.push(`The summary and the plan disagree on whether ${a.name} or ${b.name} uses less energy per request: the two models above count different things.`);
  }
  return out;
}

/** A planned row's column: its pipeline, else what it plans (GPU · model · precision), else its position. */
function columnName(row: PlanningSection["rows"][number], index: number): string {
  if (typeof row.pipeline === "string") return row.pipeline;
  const what = [row.gpu, row.model, row.precision].filter((v): v is string => typeof v === "string");
  return what.length > 0 ? what.join(" · ") : `plan ${index + 1}`;
}

/** Any `planning` object with flat rows: one table row per key, in order of first appearance, pipelines as columns. */
export function buildPlanning(results: PocResults): PlanningView | null {
  const planning = results.planning as PlanningSection | undefined;
  if (planning === undefined || !Array.isArray(planning.rows)) return null;
  // Notes without rows still say something (why the planner could not size a pipeline), so they are kept.
  if (planning.rows.length === 0 && (planning.notes ?? []).length === 0) return null;
  const keys: string[] = [];
  for (const row of planning.rows) for (const key of Object.keys(row)) if (key !== "pipeline" && !keys.includes(key)) keys.push(key);
  // What a row is about (model, GPU: plain values) reads first, its figures after; results.json sorts its keys.
  const isPlain = (key: string): boolean => planning.rows.every((row) => !isFigure(row[key]));
  const ordered = [...keys.filter(isPlain), ...keys.filter((k) => !isPlain(k))];
  return {
    title: planning.title ?? "Capacity and energy plan",
    columns: planning.rows.map((row, i) => columnName(row, i)),
    rows: ordered.map((key) => {
      const known = KEYS[key];
      const format = known?.format ?? formatNumber;
      return { label: known?.label ?? humanize(key), help: known?.help ?? `${key}, as the planner wrote it.`, cells: planning.rows.map((row) => cellOf(row[key], format)) };
    }),
    versusSummary: versusSummary(results, planning.rows),
    notes: planning.notes ?? [],
  };
}
