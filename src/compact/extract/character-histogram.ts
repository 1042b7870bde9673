/**
 * Character histograms for the value memory's OCR-tolerant lookup (memory.ts). Keys are canonical (lower-case letters and
 * digits), a few dozen characters long, and a lookup only cares whether a key is within a small budget, so:
 *   - a character histogram gives a cheap lower bound (each edit changes at most two histogram cells by one), which rules
 *     out almost every remembered key before any dynamic programming;
 *   - the banded Levenshtein DP (`boundedEditDistance`, src/core/text-distance.ts) then runs only on the few keys the
 *     bound lets through.
 */

/** Histogram buckets: a-z, 0-9, and one bucket for anything else (non-ASCII letters and digits). */
const BUCKETS = 37;

function bucketOf(code: number): number {
  if (code >= 97 && code <= 122) return code - 97;
  if (code >= 48 && code <= 57) return 26 + code - 48;
  return 36;
}

export function characterHistogram(key: string): Uint8Array {
  const histogram = new Uint8Array(BUCKETS);
  for (let i = 0; i < key.length; i++) {
    const b = bucketOf(key.charCodeAt(i));
    if ((histogram[b] as number) < 255) histogram[b] = (histogram[b] as number) + 1;
  }
  return histogram;
}

/**
 * A lower bound on the edit distance of two strings from their histograms: a substitution moves one count from a cell to
 * another, an insertion or deletion changes one cell, so at least ⌈(Σ|a-b|)/2⌉ edits are needed.
 */
export function histogramLowerBound(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BUCKETS; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return Math.ceil(sum / 2);
}
