// How numbers read in frugal's output: the CLI summary table, summary.md, the report's HTML and its charts' axes and
// readouts. One module for all of them, so a figure reads the same everywhere, and in fixed notation (never "4.87e-1").
// Plain JavaScript on purpose: the report inlines this very file into its page (assets.ts strips the `export` keywords),
// and the TypeScript side imports it through number-format.d.ts, so the browser and Node cannot drift apart.
// Every formatter returns "not measured" for null, undefined or a non-finite number: an unknown never reads as a 0.

export const NOT_MEASURED = "not measured";

function missing(value) {
  return value === null || value === undefined || typeof value !== "number" || !Number.isFinite(value);
}

// The smallest magnitude shown in full; below it a value reads "<" this (a present value never reads as 0).
const FLOOR_DECIMALS = 9;

/** `digits` significant digits in fixed notation, trailing zeros dropped: 0.000123456 → "0.000123". */
function significant(value, digits) {
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: Math.min(decimals, FLOOR_DECIMALS + 2) });
}

/** Below 10^-FLOOR_DECIMALS a value is shown as a bound: "<0.000000001". */
function tiny(value) {
  return value !== 0 && Math.abs(value) < 10 ** -FLOOR_DECIMALS;
}
const TINY = (0.1 ** FLOOR_DECIMALS).toFixed(FLOOR_DECIMALS);

/** USD: "$1,234", "$12.30", "$0.0000377" (3 significant digits below $1). */
export function formatUsd(value) {
  if (missing(value)) return NOT_MEASURED;
  const sign = value < 0 ? "−" : "";
  const abs = Math.abs(value);
  if (abs >= 100) return `${sign}$${abs.toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
  if (abs >= 1) return `${sign}$${abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (tiny(abs)) return `<$${TINY}`;
  return `${sign}$${significant(abs, 3)}`;
}

/** Milliseconds: "<0.01 ms", "0.49 ms", "4.87 ms", "145 ms", "1,234 ms", "12.3 s". */
export function formatMs(value) {
  if (missing(value)) return NOT_MEASURED;
  const abs = Math.abs(value);
  if (abs >= 10_000) return `${(value / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} s`;
  if (abs >= 10) return `${Math.round(value).toLocaleString("en-US")} ms`;
  if (abs !== 0 && abs < 0.01) return "<0.01 ms";
  return `${value.toLocaleString("en-US", { maximumFractionDigits: 2 })} ms`;
}

/** A fraction in [0, 1] as a percentage: 0.9342 → "93.4%"; a present share too small to show reads "<0.1%", not "0.0%". */
export function formatShare(value, decimals = 1) {
  if (missing(value)) return NOT_MEASURED;
  const percent = value * 100;
  const step = 10 ** -decimals;
  if (percent > 0 && percent < step / 2) return `<${step.toFixed(decimals)}%`;
  return `${percent.toFixed(decimals)}%`;
}

/** Energy: "0.0265 kWh" (3 significant digits). */
export function formatKwh(value) {
  if (missing(value)) return NOT_MEASURED;
  if (tiny(value)) return `<${TINY} kWh`;
  return `${significant(value, 3)} kWh`;
}

/** A count or rate: "3,080", "12.5". */
export function formatCount(value) {
  if (missing(value)) return NOT_MEASURED;
  return value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** A plain number from a planner row or telemetry: grouped when large, 3 significant digits when small. */
export function formatNumber(value) {
  if (missing(value)) return NOT_MEASURED;
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toLocaleString("en-US", { maximumFractionDigits: 1 });
  if (tiny(value)) return `<${TINY}`;
  return significant(value, 3);
}

/** "12.3×" for ratios, with one decimal below 100. */
export function formatRatio(value) {
  if (missing(value)) return NOT_MEASURED;
  return value >= 100 ? `${Math.round(value).toLocaleString("en-US")}×` : `${value.toFixed(1)}×`;
}
