/**
 * Value memory: the gold values seen in training, indexed by canonical key (letters and digits only). Documents come from
 * recurring senders — the same supermarket, the same supplier — and their labels repeat. The memory does two things:
 *   - a feature: "this candidate is a value the labels used before" (counted leave-one-out during training, so a document
 *     never vouches for itself);
 *   - the answer's spelling: when the chosen candidate's canonical key is known, answer the spelling the labels used most
 *     ("27, JALAN DEDAP 13" where the print says "27,JALAN DEDAP 13"). Whether a field uses this is decided per field on
 *     held-out folds (train.ts), never assumed.
 * It only ever returns spellings of what the document itself says, up to spaces and punctuation: it cannot invent a value.
 */
import { canonicalKey } from "./normalize.ts";

export type MemoryEntries = Array<[surface: string, count: number]>;

export class ValueMemory {
  private readonly byKey = new Map<string, Map<string, number>>();

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
