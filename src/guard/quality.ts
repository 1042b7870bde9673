/**
 * Scoring a guard against a labeled set: per type, a finding is a true positive only when its type and both offsets
 * equal a gold span's (a card found without its last group redacts too little, so it counts as a miss and a false
 * alarm). Precision and recall come with Wilson score intervals, which stay inside [0, 1] and behave near 1, where a
 * good detector lives.
 */
import type { LabeledSentence } from "./labeled-set.ts";
import type { PiiFinding } from "./types.ts";

export interface TypeScore {
  type: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` out of `trials` (z = 1.96 for 95 %); [0, 1] when there are no trials. */
export function wilsonInterval(successes: number, trials: number, z = 1.96): Interval {
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const center = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // At 0 and n successes the bound is exactly 0 or 1; rounding would leave 1e-16 off it.
  return { low: successes === 0 ? 0 : Math.max(0, center - half), high: successes === trials ? 1 : Math.min(1, center + half) };
}

function key(f: PiiFinding): string {
  return `${f.type}:${f.start}:${f.end}`;
}

/** Scores per type, for every type seen in the gold spans or the findings, sorted by type. */
export function scoreGuard(sentences: readonly LabeledSentence[], scan: (text: string) => PiiFinding[]): TypeScore[] {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const of = (type: string) => {
    let c = counts.get(type);
    if (c === undefined) counts.set(type, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  for (const sentence of sentences) {
    const gold = new Set(sentence.gold.map(key));
    const found = scan(sentence.text);
    const foundKeys = new Set(found.map(key));
    for (const f of found) {
      if (gold.has(key(f))) of(f.type).tp++;
      else of(f.type).fp++;
    }
    for (const g of sentence.gold) if (!foundKeys.has(key(g))) of(g.type).fn++;
  }
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([type, c]) => {
      const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
      const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { type, truePositives: c.tp, falsePositives: c.fp, falseNegatives: c.fn, precision, recall, f1 };
    });
}
