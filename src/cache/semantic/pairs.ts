/**
 * Labeled question pairs (`{"text_a", "text_b", "label"}` per JSONL line, label 1 when both ask the same thing), and their
 * split into train / calibration / test BY QUESTION: pairs that share a question (directly or through a chain of pairs)
 * form one group and land in one split, so no question text is seen by two splits and the test split measures questions
 * the verifier and its certificate never saw.
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { FrugalError, where } from "../../core/errors.ts";
import { readDataTable } from "../../data/table.ts";
import { groupedSplit } from "../../compact/random.ts";

export interface LabeledPair {
  line: number;
  textA: string;
  textB: string;
  label: 0 | 1;
}

export interface PairSet {
  file: string;
  name: string;
  sha256: string;
  pairs: LabeledPair[];
}

export function readPairs(file: string): PairSet {
  const table = readDataTable(file);
  const pairs = table.rows.map(({ line, values }): LabeledPair => {
    const bad = (what: string): FrugalError => new FrugalError("input_invalid", `${where(file, { line })}: ${what}`, { details: { file, line } });
    const { text_a: a, text_b: b, label } = values;
    if (typeof a !== "string" || a.trim() === "") throw bad('"text_a" must be a non-empty string');
    if (typeof b !== "string" || b.trim() === "") throw bad('"text_b" must be a non-empty string');
    if (label !== 0 && label !== 1 && label !== "0" && label !== "1") throw bad(`"label" must be 0 or 1, got ${JSON.stringify(label)}`);
    return { line, textA: a, textB: b, label: Number(label) as 0 | 1 };
  });
  return { file, name: basename(file), sha256: table.sha256, pairs };
}

/** The question a text asks, for grouping: case and spacing do not make a new question. */
const questionKey = (text: string): string => text.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * Whether two questions are KNOWN to ask the same thing in this file: the same text (up to case and spacing), or the two
 * sides of a label-1 pair. Nothing else is assumed (no transitive closure, no unlabeled paraphrase): a hit on a stored
 * question that no label links to the lookup counts as wrong, even if a human would call it a paraphrase.
 */
export function knownDuplicates(pairs: readonly LabeledPair[]): (stored: string, lookup: string) => boolean {
  const linked = new Set<string>();
  for (const p of pairs) {
    if (p.label !== 1) continue;
    const a = questionKey(p.textA);
    const b = questionKey(p.textB);
    linked.add(`${a}\u0000${b}`).add(`${b}\u0000${a}`);
  }
  return (stored, lookup) => {
    const s = questionKey(stored);
    const l = questionKey(lookup);
    return s === l || linked.has(`${s}\u0000${l}`);
  };
}

/** A group id per pair: the connected component of its two questions in the graph whose edges are the pairs. */
export function questionGroups(pairs: readonly LabeledPair[]): string[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    let at = x;
    while (at !== root) {
      const next = parent.get(at) as string;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  for (const p of pairs) {
    const a = questionKey(p.textA);
    const b = questionKey(p.textB);
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  }
  return pairs.map((p) => find(questionKey(p.textA)));
}

export interface PairSplits {
  train: LabeledPair[];
  calibration: LabeledPair[];
  test: LabeledPair[];
}

export const SPLIT_FRACTIONS = { train: 0.5, calibration: 0.25, test: 0.25 } as const;

export function splitPairs(pairs: readonly LabeledPair[], seed: number): PairSplits {
  const parts = groupedSplit(questionGroups(pairs), { fractions: [SPLIT_FRACTIONS.train, SPLIT_FRACTIONS.calibration, SPLIT_FRACTIONS.test], seed });
  const pick = (indices: Int32Array | undefined): LabeledPair[] => Array.from(indices ?? [], (i) => pairs[i] as LabeledPair);
  return { train: pick(parts[0]), calibration: pick(parts[1]), test: pick(parts[2]) };
}

/** Fingerprint of a list of pairs (what a model file says it was certified on). */
export function hashPairs(pairs: readonly LabeledPair[]): string {
  const hash = createHash("sha256");
  for (const p of pairs) hash.update(p.textA).update("\u0000").update(p.textB).update("\u0000").update(String(p.label)).update("\u0001");
  return `sha256:${hash.digest("hex")}`;
}
