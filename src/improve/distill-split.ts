/**
 * The rows a distillation trains, certifies and evaluates on: one row per text (gold over seed over LLM labels), and a
 * split decided by a seeded hash of the text alone. Why by hash rather than a shuffle: the training set grows every time
 * the ledger does, and a shuffle of a grown set would move texts between splits — a text the previous model trained on
 * could land in today's calibration rows, and the current model's score on them would flatter it. A hash puts a text in
 * the same split in every run with the same seed and shares, whatever else is in the set, and never in two.
 */
import { hashString } from "../compact/hashing.ts";

export type LabelSource = "seed" | "llm" | "gold";
export const LABEL_SOURCES: readonly LabelSource[] = ["seed", "llm", "gold"];

export interface LabeledText {
  text: string;
  label: string;
  source: LabelSource;
}

export type BySource = Record<LabelSource, number>;
export type SplitName = "train" | "calibration" | "heldOut";

/**
 * Which label wins for one text: a person's answer (gold feedback, then the labeled seed) over the LLM's. Gold first
 * because feedback is a correction made after the fact, usually of exactly the rows where a label was in doubt.
 */
const PRECEDENCE: Record<LabelSource, number> = { gold: 0, seed: 1, llm: 2 };

export function emptyBySource(): BySource {
  return { seed: 0, llm: 0, gold: 0 };
}

export function countBySource(rows: readonly LabeledText[]): BySource {
  const counts = emptyBySource();
  for (const row of rows) counts[row.source]++;
  return counts;
}

/** What makes two texts "the same text": Unicode-normalized, case-folded, whitespace collapsed. */
export function textKey(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

export interface MergedRows {
  rows: LabeledText[];
  /** Rows dropped because the same text had a label of higher precedence (or came earlier from the same source). */
  duplicates: BySource;
  /** Rows whose label is not in the task's label set (an LLM answer outside the contract), dropped. */
  unknownLabel: BySource;
}

/**
 * One row per text key. Among rows of the same source, the first one seen wins (ledger order: the earliest answer), so
 * the result does not depend on how many times a text was asked.
 */
export function mergeRows(groups: ReadonlyArray<readonly LabeledText[]>, labels: readonly string[]): MergedRows {
  const known = new Set(labels);
  const duplicates = emptyBySource();
  const unknownLabel = emptyBySource();
  const best = new Map<string, LabeledText>();
  for (const group of groups) {
    for (const row of group) {
      if (!known.has(row.label)) {
        unknownLabel[row.source]++;
        continue;
      }
      const key = textKey(row.text);
      const held = best.get(key);
      if (held === undefined) best.set(key, row);
      else if (PRECEDENCE[row.source] < PRECEDENCE[held.source]) {
        duplicates[held.source]++;
        best.set(key, row);
      } else duplicates[row.source]++;
    }
  }
  return { rows: [...best.values()], duplicates, unknownLabel };
}

export interface SplitShares {
  heldOut: number;
  calibration: number;
}

/** The split of one text: a seeded 32-bit hash of its key, read as a point in [0, 1). */
export function splitOf(text: string, seed: number, shares: SplitShares): SplitName {
  const u = hashString(textKey(text), seed) / 4294967296;
  if (u < shares.heldOut) return "heldOut";
  if (u < shares.heldOut + shares.calibration) return "calibration";
  return "train";
}

export function splitRows(rows: readonly LabeledText[], seed: number, shares: SplitShares): Record<SplitName, LabeledText[]> {
  const out: Record<SplitName, LabeledText[]> = { train: [], calibration: [], heldOut: [] };
  for (const row of rows) out[splitOf(row.text, seed, shares)].push(row);
  return out;
}
