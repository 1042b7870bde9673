/**
 * Seeded randomness for training: shuffles and splits must be reproducible from the seed stored in the model file, so
 * nothing here touches Math.random. mulberry32 is small, fast and good enough for shuffling (not for cryptography).
 */

import { createRng, type Rng } from "../core/random.ts";
export { createRng, type Rng };

/** Fisher-Yates in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

export interface StratifiedSplitOptions {
  /** Fraction of each class that goes to each part, in order; the remainder goes to the first part. */
  fractions: readonly number[];
  seed: number;
  /**
   * Examples of a class the first part keeps before any other part gets one: a class the model never trains on cannot be
   * predicted at all, so tiny classes feed training first.
   */
  minFirst?: number;
}

/**
 * Splits example indices into parts, class by class, so that every part has (about) the class mix of the whole. Returns
 * one sorted index array per fraction.
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: StratifiedSplitOptions): Int32Array[] {
  const rng = createRng(options.seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    const list = byClass.get(label);
    if (list === undefined) byClass.set(label, [i]);
    else list.push(i);
  }
  const parts: number[][] = options.fractions.map(() => []);
  const minFirst = options.minFirst ?? 1;
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  for (const label of classes) {
    const members = shuffleInPlace(byClass.get(label) ?? [], rng);
    const counts = options.fractions.map((f) => Math.floor(f * members.length));
    // Largest-remainder rounding would favour no part in particular; flooring then topping up the first part is simpler and
    // keeps the held-out parts from ever exceeding their share.
    let first = members.length - counts.slice(1).reduce((a, b) => a + b, 0);
    for (let p = 1; p < counts.length && first < Math.min(minFirst, members.length); p++) {
      while ((counts[p] ?? 0) > 0 && first < Math.min(minFirst, members.length)) {
        counts[p] = (counts[p] ?? 0) - 1;
        first++;
      }
    }
    counts[0] = first;
    let offset = 0;
    counts.forEach((count, p) => {
      for (let k = 0; k < count; k++) parts[p]?.push(members[offset + k] as number);
      offset += count;
    });
  }
  return parts.map((p) => Int32Array.from(p.sort((a, b) => a - b)));
}

/**
 * Splits example indices into parts by group (all examples of a group land in the same part), for data whose examples are
 * not independent — lines of one document, turns of one conversation. Groups are shuffled, then each goes to the part
 * furthest below its target share. Returns one sorted index array per fraction.
 */
export function groupedSplit(groups: readonly string[], options: { fractions: readonly number[]; seed: number }): Int32Array[] {
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list === undefined) members.set(g, [i]);
    else list.push(i);
  });
  const order = shuffleInPlace([...members.keys()].sort(), createRng(options.seed));
  const parts: number[][] = options.fractions.map(() => []);
  const total = groups.length;
  for (const g of order) {
    const list = members.get(g) ?? [];
    let best = 0;
    let bestDeficit = -Infinity;
    options.fractions.forEach((f, p) => {
      const deficit = f * total - (parts[p]?.length ?? 0);
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = p;
      }
    });
    parts[best]?.push(...list);
  }
  return parts.map((p) => Int32Array.from(p.sort((a, b) => a - b)));
}
