/**
 * Deterministic 32-bit hashing of code-point runs as their UTF-8 bytes: the same text hashes to the same buckets on every
 * machine and Node version (no dependence on JS string internals, which are UTF-16). FNV-1a walks the bytes; murmur3's
 * finalizer then mixes the result, because FNV's low bits alone (what a power-of-two bucket mask keeps) are weakly mixed.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Feeds one code point, as its UTF-8 bytes, into an FNV-1a state. */
export function fnvCodePoint(hash: number, cp: number): number {
  if (cp < 0x80) return Math.imul(hash ^ cp, FNV_PRIME);
  if (cp < 0x800) {
    hash = Math.imul(hash ^ (0xc0 | (cp >>> 6)), FNV_PRIME);
    return Math.imul(hash ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
  }
  if (cp < 0x10000) {
    hash = Math.imul(hash ^ (0xe0 | (cp >>> 12)), FNV_PRIME);
    hash = Math.imul(hash ^ (0x80 | ((cp >>> 6) & 0x3f)), FNV_PRIME);
    return Math.imul(hash ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
  }
  hash = Math.imul(hash ^ (0xf0 | (cp >>> 18)), FNV_PRIME);
  hash = Math.imul(hash ^ (0x80 | ((cp >>> 12) & 0x3f)), FNV_PRIME);
  hash = Math.imul(hash ^ (0x80 | ((cp >>> 6) & 0x3f)), FNV_PRIME);
  return Math.imul(hash ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
}

/** The FNV-1a starting state for a feature group: different seeds keep a word "ab" and a char n-gram "ab" apart. */
export function fnvSeed(seed: number): number {
  return Math.imul(FNV_OFFSET ^ seed, FNV_PRIME);
}

/** murmur3's fmix32: full avalanche, so any bit mask of the output is well distributed. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of code points `cps[start..end)`, seeded. */
export function hashCodePoints(cps: ArrayLike<number>, start: number, end: number, seed: number): number {
  let h = fnvSeed(seed);
  for (let i = start; i < end; i++) h = fnvCodePoint(h, cps[i] as number);
  return mix32(h);
}

/** Combines two already-mixed hashes (word bigrams from their unigrams) order-sensitively. */
export function combineHashes(a: number, b: number, seed: number): number {
  return mix32((Math.imul(a, 0x9e3779b1) ^ b ^ Math.imul(seed, 0x27d4eb2f)) >>> 0);
}

/** Hash of a whole string's UTF-8 bytes (for tests and tools; the featurizer uses the code-point loops). */
export function hashString(text: string, seed = 0): number {
  let h = fnvSeed(seed);
  for (const ch of text) h = fnvCodePoint(h, ch.codePointAt(0) as number);
  return mix32(h);
}
