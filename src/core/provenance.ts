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

/**
 * Sums additive contributions (cost, energy) that may come from different sources. The result is `measured` or `modeled`
 * when every non-zero part agrees, `mixed` with its parts otherwise. A `not_measured` part makes the sum unknown: a total
 * that silently left out an unknown part would understate it.
 */
export function sumFigures(parts: Array<{ source: string; value: number | null; provenance: Provenance }>): Figure {
  const contributing = parts.filter((p) => p.provenance === "not_measured" || (p.value ?? 0) !== 0);
  if (contributing.some((p) => p.provenance === "not_measured" || p.value === null)) {
    return { value: null, provenance: "not_measured", parts: contributing.map(({ source, provenance }) => ({ source, provenance })) };
  }
  const total = contributing.reduce((acc, p) => acc + (p.value ?? 0), 0);
  const kinds = new Set(contributing.map((p) => p.provenance));
  if (kinds.size <= 1) {
    const only = contributing[0]?.provenance ?? "measured";
    return { value: total, provenance: only };
  }
  const bySource = new Map<string, { provenance: Provenance; value: number }>();
  for (const p of contributing) {
    const prev = bySource.get(`${p.source}\u0000${p.provenance}`);
    bySource.set(`${p.source}\u0000${p.provenance}`, { provenance: p.provenance, value: (prev?.value ?? 0) + (p.value ?? 0) });
  }
  return {
    value: total,
    provenance: "mixed",
    parts: [...bySource.entries()].map(([key, v]) => ({
      source: key.split("\u0000")[0] ?? key,
      provenance: v.provenance,
      share: total === 0 ? 0 : v.value / total,
    })),
  };
}
