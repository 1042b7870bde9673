/** Text renderings of planner results for the terminal: fixed-width tables, units in the headers, no colours. */
import type { PlanReport } from "./run-plan.ts";

export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Compact number: 3 significant digits, thousands grouped, no exponent for the magnitudes a plan shows. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(digits)).toString();
}

export function formatPlanReport(report: PlanReport): string {
  const headers = [
    "workload",
    "hardware",
    "prec",
    "tp",
    "GPUs",
    "P95 ms",
    "TTFT P95 ms",
    "batch",
    "busy",
    "tok/s/GPU",
    "J/token",
    "GPU kWh/1k req",
    "models/server",
    "cloud $/1k req",
    "on-prem $/1k req",
    "break-even mo",
  ];
  const rows = report.rows.map((r) =>
    r.feasible
      ? [
          r.workload,
          r.hardware,
          r.precision,
          fmt(r.tp),
          fmt(r.devices),
          fmt(r.latencyMs?.p95),
          fmt(r.ttftP95Ms),
          fmt(r.meanBatch),
          r.busyFraction === undefined ? "-" : `${Math.round(r.busyFraction * 100)}%`,
          fmt(r.outputTokensPerSecondPerDevice),
          fmt(r.jPerOutputToken),
          fmt(r.deviceKwhPer1000Requests),
          fmt(r.modelsPerServer),
          fmt(r.tco?.cloudUsdPer1000Requests),
          fmt(r.tco?.onPremUsdPer1000Requests),
          r.tco?.breakEvenMonth === null ? "never" : fmt(r.tco?.breakEvenMonth),
        ]
      : [r.workload, r.hardware, r.precision, ...headers.slice(3).map(() => "-")],
  );
  const out = [renderTable(headers, rows)];
  const infeasible = report.rows.filter((r) => !r.feasible);
  if (infeasible.length > 0) {
    out.push("", "Does not fit:");
    for (const r of infeasible) out.push(`  ${r.workload} on ${r.hardware}: ${r.reason ?? "infeasible"}`);
  }
  out.push("", ...report.notes.map((n) => `note: ${n}`));
  return out.join("\n");
}
