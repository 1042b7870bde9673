/**
 * A figure as a report shows it: the formatted text, its provenance badge and the lines of its tooltip (the parts of a
 * mixed figure, the catalog note of a modeled one). Null is always "not measured" with a not_measured badge, whatever the
 * writer claimed, so an unknown can never be read as a zero.
 */
import type { Figure, FigureProvenance, ProvenancePart } from "../core/provenance.ts";
import { describePart, NOT_MEASURED } from "./format.ts";
import { formatRange } from "./uncertainty-words.ts";

export interface Shown {
  text: string;
  value: number | null;
  provenance: FigureProvenance;
  /** Tooltip lines: the parts of a mixed figure, then the writer's note. */
  details: string[];
  /** The figure's 95% interval, written out beside it: "95% CI 72.2–100.0%, n=10". */
  interval?: string;
  /** The interval's bounds, for a comparison against a decision. */
  ci95?: [number, number];
}

/** "95% CI 72.2–100.0%, n=10", from a figure's `ci95` (and `ci95_n`) when it has a valid one. */
export function intervalText(figure: object, format: (value: number | null) => string): { interval: string; ci95: [number, number] } | Record<string, never> {
  const f = figure as { ci95?: unknown; ci95_n?: unknown };
  const ci = f.ci95;
  if (!Array.isArray(ci) || ci.length !== 2 || !ci.every((v) => typeof v === "number" && Number.isFinite(v)) || (ci[0] as number) > (ci[1] as number)) return {};
  const bounds: [number, number] = [ci[0] as number, ci[1] as number];
  const n = typeof f.ci95_n === "number" ? `, n=${f.ci95_n.toLocaleString("en-US")}` : "";
  return { interval: `95% CI ${formatRange(bounds, format)}${n}`, ci95: bounds };
}

export function detailLines(figure: { parts?: ProvenancePart[]; note?: string }): string[] {
  const lines = (figure.parts ?? []).map(describePart);
  if (figure.note !== undefined && figure.note !== "") lines.push(figure.note);
  return lines;
}

export function showFigure(figure: Figure, format: (value: number | null) => string): Shown {
  const value = figure.value !== null && Number.isFinite(figure.value) ? figure.value : null;
  if (value === null) return { text: NOT_MEASURED, value: null, provenance: "not_measured", details: detailLines(figure) };
  return { text: format(value), value, provenance: figure.provenance, details: detailLines(figure), ...intervalText(figure, format) };
}

/** A plain count or rate the runner observed itself (tier share, cache hits): measured by construction. */
export function showCounted(value: number | null | undefined, format: (value: number | null) => string, provenance: FigureProvenance = "measured"): Shown {
  // A count derived from unknown figures (SLO attainment of unmeasured latencies) is unknown too, whatever its value.
  if (value === null || value === undefined || !Number.isFinite(value) || provenance === "not_measured") {
    return { text: NOT_MEASURED, value: null, provenance: "not_measured", details: [] };
  }
  return { text: format(value), value, provenance, details: [] };
}

export function isProvenance(value: unknown): value is FigureProvenance {
  return value === "measured" || value === "modeled" || value === "not_measured" || value === "mixed";
}

/** True for `{value, provenance}` objects: extra metrics and planner cells may be figures. */
export function isFigure(value: unknown): value is Figure {
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  return "value" in record && (record.value === null || typeof record.value === "number") && isProvenance(record.provenance);
}

/**
 * The provenance of a figure derived from others (a ratio, a difference): the same when all inputs agree, `mixed` with
 * every input listed otherwise. Inputs that are themselves mixed contribute their parts.
 */
export function deriveShown(text: string, value: number | null, inputs: Array<{ label: string; shown: Shown }>): Shown {
  if (value === null || inputs.some((input) => input.shown.value === null)) {
    // The caller's text says which side is unknown ("dense: not measured"); no ratio is made up from it.
    return { text: text === "" ? NOT_MEASURED : text, value: null, provenance: "not_measured", details: inputs.map((i) => `${i.label}: ${i.shown.text}`) };
  }
  const kinds = new Set(inputs.map((input) => input.shown.provenance));
  const only = kinds.size === 1 ? [...kinds][0] : undefined;
  const details = inputs.flatMap((input) =>
    input.shown.provenance === "mixed" && input.shown.details.length > 0
      ? input.shown.details.map((line) => `${input.label} — ${line}`)
      : [`${input.label}: ${input.shown.provenance.replace("_", " ")}`],
  );
  return { text, value, provenance: only ?? "mixed", details: only !== undefined && only !== "mixed" ? [] : details };
}

/**
 * The parts of the mixed figures, one line per pipeline and distinct explanation: P50, P95, P99 and SLO attainment of a
 * pipeline usually share theirs, and are listed together instead of four times.
 */
export function mixedGroups(rows: Array<{ label: string; cells: Shown[] }>, columns: string[]): Array<{ column: string; labels: string[]; details: string }> {
  const groups = new Map<string, { column: string; labels: string[]; details: string }>();
  rows.forEach((row) =>
    row.cells.forEach((cell, i) => {
      if (cell.provenance !== "mixed" || cell.details.length === 0) return;
      const column = columns[i] ?? "";
      const details = cell.details.join("; ");
      const key = `${column}\u0000${details}`;
      const group = groups.get(key) ?? { column, labels: [], details };
      group.labels.push(row.label);
      groups.set(key, group);
    }),
  );
  return [...groups.values()];
}

