/**
 * Scoring. classify: exact label match, accuracy and macro-F1. extract: per-field exact match after the documented
 * normalization (trim, collapse whitespace, case-insensitive: src/compact/extract/normalize.ts, the same rule
 * `frugal eval` uses), and the mean over fields. An answer with no content (a modeled tier) or an item with no gold is
 * not scored, and says why.
 */
import { valuesMatch } from "../compact/extract/normalize.ts";
import { macroF1Of } from "../compact/metrics.ts";
import type { TaskOutput } from "../core/types.ts";
import type { Gold } from "./dataset.ts";

/** Why an answer from a modeled tier is not scored: it has no content. Unknown, not wrong. */
export const MODELED_CONTENT = "the answer has no content (modeled tier)";

export interface ItemScore {
  correct: boolean | null;
  fieldCorrect?: Record<string, boolean | null>;
  unscored?: string;
}

/** `unknownFields`: fields a modeled tier answered, without content: unknown (null), not wrong. */
export function scoreAnswer(output: TaskOutput | null, gold: Gold | null, fields: readonly string[], unknownFields: readonly string[] = []): ItemScore {
  if (gold === null) return { correct: null, unscored: "no gold answer for this item" };
  if (output === null) return { correct: null, unscored: MODELED_CONTENT };
  if (gold.kind === "classify") {
    if (output.kind !== "classify") return { correct: null, unscored: `expected a label, got a ${output.kind} answer` };
    return { correct: output.label === gold.label };
  }
  if (output.kind !== "extract") return { correct: null, unscored: `expected fields, got a ${output.kind} answer` };
  const fieldCorrect: Record<string, boolean | null> = {};
  for (const field of fields) {
    const expected = gold.fields[field];
    const scorable = expected !== null && expected !== undefined && !unknownFields.includes(field);
    fieldCorrect[field] = scorable ? valuesMatch(output.fields[field] ?? null, expected) : null;
  }
  const scored = Object.values(fieldCorrect).filter((v): v is boolean => v !== null);
  return { correct: scored.length === 0 ? null : scored.every(Boolean), fieldCorrect };
}

/** Macro-F1 over every label seen in gold or predictions (compact/metrics.ts); null when nothing was scored. */
export function macroF1(pairs: ReadonlyArray<{ gold: string; predicted: string }>): number | null {
  if (pairs.length === 0) return null;
  return macroF1Of(
    pairs.map((p) => p.predicted),
    pairs.map((p) => p.gold),
  );
}

export interface FieldAccuracy {
  /** Per field: share of scorable (item, field) pairs answered correctly. */
  perField: Record<string, number | null>;
  /** Mean over fields that could be scored. */
  mean: number | null;
}

export function fieldAccuracy(rows: ReadonlyArray<Record<string, boolean | null>>, fields: readonly string[]): FieldAccuracy {
  const perField: Record<string, number | null> = {};
  for (const field of fields) {
    const scored = rows.map((r) => r[field]).filter((v): v is boolean => v !== null && v !== undefined);
    perField[field] = scored.length === 0 ? null : scored.filter(Boolean).length / scored.length;
  }
  const known = Object.values(perField).filter((v): v is number => v !== null);
  return { perField, mean: known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length };
}
