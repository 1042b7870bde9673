/**
 * Value memory: the gold values seen in training, indexed by canonical key (letters and digits only). Documents come from
 * recurring senders — the same supermarket, the same supplier — and their labels repeat. The memory does two things:
 *   - a feature: "this candidate is a value the labels used before" (counted leave-one-out during training, so a document
 *     never vouches for itself);
 *   - the answer's spelling: when the chosen candidate's canonical key is known, answer the spelling the labels used most
 *     ("27, JALAN DEDAP 13" where the print says "27,JALAN DEDAP 13"). Whether a field uses this is decided per field on
 *     held-out folds (train.ts), never assumed.
 * It only ever returns spellings of what the document itself says, up to spaces and punctuation: it cannot invent a value.
 * The one exception is opt-in and decided per field on held-out folds: `nearest` snaps an OCR-damaged answer
 * ("KWANSAN PERINDUSTRIAN BLANKONG") to a remembered value a few character edits away ("KAWASAN PERINDUSTRIAN BALAKONG").
 */
import { canonicalKey } from "./normalize.ts";
import { boundedEditDistance } from "../../core/text-distance.ts";
import { characterHistogram, histogramLowerBound } from "./character-histogram.ts";

export type MemoryEntries = Array<[surface: string, count: number]>;

export class ValueMemory {
  private readonly byKey = new Map<string, Map<string, number>>();
  /**
   * Signatures (first four characters and length) of the remembered keys: `countValue` rules out almost every candidate
   * with them before building its key string. Built on first use, like the index below.
   */
  private signatures: Set<number> | null = null;
  /** For `nearest`: the keys with their character histograms, built on first use (the memory is read-only by then). */
  private index: { keys: string[]; histograms: Uint8Array[]; counts: number[] } | null = null;

  static fromEntries(entries: MemoryEntries): ValueMemory {
    const memory = new ValueMemory();
    for (const [surface, count] of entries) memory.add(surface, count);
    return memory;
  }

  get size(): number {
    return this.byKey.size;
  }

  add(surface: string, count = 1): void {
    const key = canonicalKey(surface);
    if (key === "") return;
    this.index = null;
    this.signatures = null;
    let spellings = this.byKey.get(key);
    if (spellings === undefined) {
      spellings = new Map();
      this.byKey.set(key, spellings);
    }
    spellings.set(surface, (spellings.get(surface) ?? 0) + count);
  }

  /** How many remembered values share `key`, leaving out one occurrence of `self` (the document's own label) if given. */
  count(key: string, self?: string): number {
    const spellings = this.byKey.get(key);
    if (spellings === undefined) return 0;
    let total = 0;
    for (const c of spellings.values()) total += c;
    if (self !== undefined && canonicalKey(self) === key && spellings.has(self)) total--;
    return total;
  }

  /** Whether `key` is known, and the share of its labels that used its most common spelling (1 when unknown). */
  agreement(key: string): { known: boolean; share: number } {
    const spellings = this.byKey.get(key);
    if (spellings === undefined) return { known: false, share: 1 };
    let total = 0;
    let top = 0;
    for (const c of spellings.values()) {
      total += c;
      if (c > top) top = c;
    }
    return { known: true, share: top / total };
  }

  /**
   * count(canonicalKey(value)) for serving, where every text candidate asks: ASCII values are first checked against the
   * signatures without building any string (almost all candidates stop there).
   */
  countValue(value: string): number {
    if (this.byKey.size === 0) return 0;
    if (this.signatures === null) this.signatures = new Set([...this.byKey.keys()].map((k) => keySignature(k)));
    const signature = keySignature(value);
    if (signature >= 0 && !this.signatures.has(signature)) return 0;
    return this.count(canonicalKey(value));
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /**
   * The remembered key closest to `key` within ⌊maxEditRate·|key|⌋ character edits (Levenshtein), or null. Ties go to
   * the value labeled more often. A histogram bound skips most keys without running the edit distance: this runs on the
   * serving path, once per field answer that the memory does not know exactly.
   */
  nearest(key: string, maxEditRate: number): string | null {
    const budget = Math.floor(maxEditRate * key.length);
    if (budget <= 0 || key.length === 0) return null;
    if (this.index === null) {
      const keys = [...this.byKey.keys()];
      this.index = { keys, histograms: keys.map(characterHistogram), counts: keys.map((k) => this.count(k)) };
    }
    const { keys, histograms, counts } = this.index;
    const histogram = characterHistogram(key);
    let best: string | null = null;
    let bestDistance = budget + 1;
    let bestCount = 0;
    for (let i = 0; i < keys.length; i++) {
      const other = keys[i] as string;
      if (Math.abs(other.length - key.length) > budget) continue;
      const limit = Math.min(budget, bestDistance);
      if (histogramLowerBound(histogram, histograms[i] as Uint8Array) > limit) continue;
      const distance = boundedEditDistance(key, other, limit);
      const count = counts[i] as number;
      if (distance > limit) continue;
      if (distance < bestDistance || count > bestCount) {
        best = other;
        bestDistance = distance;
        bestCount = count;
      }
    }
    return best;
  }

  /** The most used spelling of `key` (ties: the first seen); null when unknown. */
  spelling(key: string): string | null {
    const spellings = this.byKey.get(key);
    if (spellings === undefined) return null;
    let best: string | null = null;
    let bestCount = 0;
    for (const [surface, c] of spellings) {
      if (c > bestCount) {
        best = surface;
        bestCount = c;
      }
    }
    return best;
  }

  entries(): MemoryEntries {
    const out: MemoryEntries = [];
    for (const spellings of this.byKey.values()) for (const [surface, count] of spellings) out.push([surface, count]);
    return out;
  }
}

/**
 * The canonical key's first four characters (base 37) and its length (capped), read straight from a value: the same for a
 * value and for its canonical key. -1 for non-ASCII values, whose canonical form needs the Unicode regex.
 */
export function keySignature(value: string): number {
  let prefix = 0;
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 127) return -1;
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 47;
    else if (code >= 97 && code <= 122) digit = code - 86;
    else if (code >= 65 && code <= 90) digit = code - 54;
    else continue;
    if (length < 4) prefix = prefix * 37 + digit;
    length++;
  }
  for (let k = length; k < 4; k++) prefix *= 37;
  return prefix * 4096 + Math.min(length, 4095);
}
