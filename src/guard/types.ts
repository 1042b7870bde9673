/**
 * The vocabulary of the guard: what a finding is and what a detector promises. Findings carry offsets and a type, never
 * the matched value, so that anything downstream of a scan (ledger rows, logs, metrics) cannot leak what was found.
 */

/** The detectors frugal ships. User patterns add their own names next to these. */
export const BUILTIN_PII_TYPES = ["email", "phone", "iban", "card", "fr_nir", "fr_siren", "fr_siret", "ip"] as const;

export type BuiltinPiiType = (typeof BUILTIN_PII_TYPES)[number];

/** A built-in type or the name of a user pattern (lower-case snake case, see guard-options.ts). */
export type PiiType = BuiltinPiiType | (string & {});

/**
 * One detected span. Offsets are JavaScript string indices (UTF-16 code units), end exclusive, so
 * `text.slice(start, end)` is the value: the caller holds the text, the finding never copies it.
 */
export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
}

/**
 * One family of detection. `detect` appends candidates to `out` and may leave overlaps, within the family or with
 * other families: the guard resolves them once, for all (resolve.ts). Detectors compile their regexes once, at creation.
 */
export interface PiiDetector {
  /** The types it may report. */
  readonly types: readonly PiiType[];
  detect(text: string, out: PiiFinding[]): void;
}
