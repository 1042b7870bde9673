/**
 * How figures read in a report. One place so the HTML, the Markdown and the CLI table agree, and so a null never turns
 * into a 0: every formatter returns "not measured" for null.
 */
import type { FigureProvenance, ProvenancePart } from "../core/provenance.ts";

export const NOT_MEASURED = "not measured";

export const PROVENANCE_LABEL: Record<FigureProvenance, string> = {
  measured: "measured",
  modeled: "modeled",
  not_measured: "not measured",
  mixed: "mixed",
};

export const PROVENANCE_MEANING: Record<FigureProvenance, string> = {
  measured: "timed during this run, returned by the provider, or read from the GPU",
  modeled: "computed from a price table, an energy profile or the planner, not observed",
  not_measured: "unknown: nothing in this run observed it, and the report does not guess",
  mixed: "computed from parts of different provenance; the parts are listed",
};

/** Significant digits without scientific notation for the small numbers costs and energies are. */
function significant(value: number, digits: number): string {
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: Math.min(decimals, 12) });
}

export function formatUsd(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  if (Math.abs(value) >= 100) return `$${value.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
  if (Math.abs(value) >= 1) return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${significant(value, 3)}`;
}

export function formatMs(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  if (value >= 10_000) return `${(value / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} s`;
  if (value >= 10) return `${Math.round(value).toLocaleString("en-US")} ms`;
  return `${value.toLocaleString("en-US", { maximumFractionDigits: 2 })} ms`;
}

/** A fraction in [0, 1] as a percentage: 0.9342 → "93.4%". */
export function formatShare(value: number | null, decimals = 1): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  return `${(value * 100).toFixed(decimals)}%`;
}

export function formatKwh(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  return `${significant(value, 3)} kWh`;
}

export function formatCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** A plain number from a planner row or telemetry: three significant digits for small values, grouped for large ones. */
export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return significant(value, 3);
}

/** "12.3×" for ratios, with one decimal below 100. */
export function formatRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_MEASURED;
  return value >= 100 ? `${Math.round(value).toLocaleString("en-US")}×` : `${value.toFixed(1)}×`;
}

/** "compact cpu time: measured (4%)" — one line per part, for tooltips and Markdown. */
export function describePart(part: ProvenancePart): string {
  // A part that contributes almost nothing still shows as present ("<1%"), never as "0%".
  const share = part.share === undefined ? "" : part.share > 0 && part.share < 0.01 ? " (<1%)" : ` (${formatShare(part.share, 0)})`;
  return `${part.source}: ${PROVENANCE_LABEL[part.provenance]}${share}`;
}
