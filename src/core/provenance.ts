/**
 * Every figure frugal prints says where it came from. `measured`: timed here, returned by the provider, read from NVML.
 * `modeled`: a price table, an energy profile, the planner. `not_measured`: nobody knows, and we say so instead of guessing.
 * A figure computed from parts of different provenance is `mixed` and lists its parts, so a report never blends them silently.
 */

export type Provenance = "measured" | "modeled" | "not_measured";
export type FigureProvenance = Provenance | "mixed";

export interface ProvenancePart {
  /** What this part is, e.g. a tier name or "compact cpu time". */
  source: string;
  provenance: Provenance;
  /** Share of the figure this part contributes (0..1), when it is additive. */
  share?: number;
}

export interface Figure {
  value: number | null;
  provenance: FigureProvenance;
  parts?: ProvenancePart[];
  /** Free text: the catalog row, the env var that would make it measured... */
  note?: string;
}

export function measured(value: number, note?: string): Figure {
  return note === undefined ? { value, provenance: "measured" } : { value, provenance: "measured", note };
}

export function modeled(value: number, note?: string): Figure {
  return note === undefined ? { value, provenance: "modeled" } : { value, provenance: "modeled", note };
}

export function notMeasured(note?: string): Figure {
  return note === undefined ? { value: null, provenance: "not_measured" } : { value: null, provenance: "not_measured", note };
}
