/**
 * Levenshtein edit distance (insertions, deletions, substitutions, each costing 1), shared by every "nearest name" lookup:
 * reading a label out of an LLM's sloppy answer (src/tiers/parse-label.ts) and "did you mean" for model names
 * (src/meter/close-matches.ts). One implementation, so both agree on what "close" means.
 *
 * Two rolling rows instead of the full matrix, in a diagonal band: a lookup compares one query against every candidate
 * (77 labels, hundreds of catalog rows, thousands of remembered receipt values), and most candidates are far away, so a
 * caller that only cares about "within k edits" (the extractor's value memory) stops as soon as a whole row exceeds k.
 */

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // A band as wide as the longer string is the full matrix: the exact distance.
  return boundedEditDistance(a, b, Math.max(a.length, b.length));
}

/** Levenshtein distance of `a` and `b` when it is ≤ `budget`, otherwise budget + 1. */
export function boundedEditDistance(a: string, b: string, budget: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > budget) return budget + 1;
  const over = budget + 1;
  // Two rows over b, cells outside the band hold `over`.
  let previous = new Int32Array(m + 1);
  let current = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) previous[j] = j <= budget ? j : over;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - budget);
    const to = Math.min(m, i + budget);
    current.fill(over);
    current[0] = i <= budget ? i : over;
    let rowMin = current[0] as number;
    const ca = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const substitution = (previous[j - 1] as number) + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const deletion = (previous[j] as number) + 1;
      const insertion = (current[j - 1] as number) + 1;
      const best = Math.min(substitution, deletion, insertion, over);
      current[j] = best;
      if (best < rowMin) rowMin = best;
    }
    if (rowMin > budget) return over;
    [previous, current] = [current, previous];
  }
  return Math.min(previous[m] as number, over);
}
