/**
 * How figures read in frugal's output. The number formats live in client/number-format.js, the one formatting module the
 * CLI table, summary.md, the HTML and the report's charts all use (plain JavaScript so the page can inline it); this file
 * re-exports them for TypeScript and adds the provenance vocabulary. Every formatter returns "not measured" for null, so
 * a null never turns into a 0.
 */
import type { FigureProvenance, ProvenancePart } from "../core/provenance.ts";
import { formatShare } from "./client/number-format.js";

export { formatCount, formatKwh, formatMs, formatNumber, formatRatio, formatShare, formatUsd, NOT_MEASURED } from "./client/number-format.js";

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

/** "compact cpu time: measured (4%)" — one line per part, for tooltips and Markdown. */
export function describePart(part: ProvenancePart): string {
  // A part that contributes almost nothing still shows as present ("<1%"), never as "0%".
  const share = part.share === undefined ? "" : part.share > 0 && part.share < 0.01 ? " (<1%)" : ` (${formatShare(part.share, 0)})`;
  return `${part.source}: ${PROVENANCE_LABEL[part.provenance]}${share}`;
}
