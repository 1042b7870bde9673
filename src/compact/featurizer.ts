/**
 * The text featurizer shared by compact models: normalized text → hashed word n-grams and character n-grams, as bucket ids
 * in [0, 2^hashBits). It does no weighting: a FeatureSpace (feature-space.ts) fitted on training data turns buckets into
 * TF-IDF rows. Hashing means no vocabulary to ship and no out-of-vocabulary crash; character n-grams carry typos, inflections
 * and number shapes ("00/00/0000") that word features miss.
 *
 * One featurizer owns reusable buffers, so hashing a text allocates (almost) nothing: the serving path needs P99 in the
 * microseconds. Results are views into those buffers, valid until the next call.
 */
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import { combineHashes, fnvCodePoint, fnvSeed, hashCodePoints, mix32 } from "./hashing.ts";

export const featurizerConfigSchema = z
  .object({
    /** Hashing dimension is 2^hashBits. Only buckets seen in training are stored, so a large space costs no file size. */
    hashBits: z.number().int().min(10).max(22).default(20),
    /** Longest word n-gram (1: unigrams, 2: + bigrams, 3: + trigrams). 0 turns word features off. */
    wordNgramMax: z.number().int().min(0).max(3).default(2),
    /** Character n-gram lengths, in code points. */
    charNgramMin: z.number().int().min(1).max(8).default(3),
    charNgramMax: z.number().int().min(0).max(8).default(5),
    /**
     * Where character n-grams are cut. `words` (sklearn's char_wb): within each word, padded with a space at each end — the
     * n-grams stay word pieces (stems, endings, typos) instead of spanning two words, which word bigrams already cover; in
     * cross-validation on training data it was the better choice (bench/notes/compact.md). `text`: over the whole
     * whitespace-collapsed text padded at both ends, punctuation included (model files of schema 1 all use it).
     */
    charScope: z.enum(["words", "text"]).default("words"),
    lowercase: z.boolean().default(true),
    /** Every digit becomes "0": amounts, dates and ids share shapes instead of being unique strings. */
    foldDigits: z.boolean().default(true),
    /** tfidf: (1 + ln tf) · idf; log: (1 + ln tf). */
    weighting: z.enum(["tfidf", "log"]).default("tfidf"),
    /** Each group (words, chars) is L2-normalized, scaled by its weight, then the whole vector is L2-normalized. */
    wordWeight: z.number().min(0).default(1),
    charWeight: z.number().min(0).default(1),
  })
  .strict()
  .refine((c) => c.wordNgramMax > 0 || c.charNgramMax >= c.charNgramMin, { message: "no features: enable word or char n-grams" })
  .refine((c) => c.charNgramMax === 0 || c.charNgramMax >= c.charNgramMin, { message: "charNgramMax must be >= charNgramMin (or 0)" });

export type FeaturizerConfig = z.output<typeof featurizerConfigSchema>;
export type FeaturizerConfigInput = z.input<typeof featurizerConfigSchema>;

export const GROUP_WORD = 0;
export const GROUP_CHAR = 1;
const SEED_WORD = 0x57;
const SEED_CHAR = 0x43;

export interface HashedFeatures {
  /** Number of valid entries in `buckets` / `groups`. */
  count: number;
  buckets: Uint32Array;
  groups: Uint8Array;
}

export interface Featurizer {
  readonly config: FeaturizerConfig;
  readonly dimension: number;
  /** Buckets of every n-gram occurrence in `text` (repeats included: term frequency is counted downstream). */
  hash(text: string): HashedFeatures;
}

export function resolveFeaturizerConfig(input: FeaturizerConfigInput = {}, source = "featurizer config"): FeaturizerConfig {
  return validateConfig(featurizerConfigSchema, input, source);
}

const NON_ASCII = /[^\x00-\x7f]/;
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

function isWordCodePoint(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a);
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

function isSpaceCodePoint(cp: number): boolean {
  return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0xa0 || cp === 0x3000 || (cp >= 0x2000 && cp <= 0x200b);
}

export function normalizeText(text: string, config: FeaturizerConfig): string {
  let out = NON_ASCII.test(text) ? text.normalize("NFKC") : text;
  if (config.lowercase) out = out.toLowerCase();
  if (config.foldDigits) out = out.replace(/[0-9]/g, "0");
  return out;
}

export function createFeaturizer(input: FeaturizerConfigInput = {}): Featurizer {
  const config = resolveFeaturizerConfig(input);
  const mask = 2 ** config.hashBits - 1;
  let cps = new Int32Array(256);
  let tokenStart: Int32Array<ArrayBuffer> = new Int32Array(64);
  let tokenEnd: Int32Array<ArrayBuffer> = new Int32Array(64);
  const out: HashedFeatures = { count: 0, buckets: new Uint32Array(1024), groups: new Uint8Array(1024) };

  const emit = (hash: number, group: number): void => {
    if (out.count === out.buckets.length) {
      const buckets = new Uint32Array(out.buckets.length * 2);
      buckets.set(out.buckets);
      const groups = new Uint8Array(out.groups.length * 2);
      groups.set(out.groups);
      out.buckets = buckets;
      out.groups = groups;
    }
    out.buckets[out.count] = (hash & mask) >>> 0;
    out.groups[out.count] = group;
    out.count++;
  };

  // Collapses whitespace runs to one space and pads both ends, so char n-grams see word starts and ends. For ASCII text the
  // case and digit folding happen here, code point by code point, instead of allocating two new strings per request.
  const loadCodePoints = (text: string, fold: boolean): number => {
    const lower = fold && config.lowercase;
    const digits = fold && config.foldDigits;
    if (cps.length < text.length + 2) cps = new Int32Array(text.length * 2 + 2);
    let n = 0;
    cps[n++] = 0x20;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
          i++;
        }
      }
      if (isSpaceCodePoint(cp)) {
        if (cps[n - 1] !== 0x20) cps[n++] = 0x20;
      } else if (lower && cp >= 0x41 && cp <= 0x5a) cps[n++] = cp + 0x20;
      else if (digits && cp >= 0x31 && cp <= 0x39) cps[n++] = 0x30;
      else cps[n++] = cp;
    }
    if (cps[n - 1] !== 0x20) cps[n++] = 0x20;
    return n;
  };

  // Finds the word tokens (runs of letters, digits and marks) into tokenStart/tokenEnd; returns their count.
  const tokenize = (length: number): number => {
    let tokens = 0;
    for (let i = 0; i < length; ) {
      if (!isWordCodePoint(cps[i] as number)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < length && isWordCodePoint(cps[j] as number)) j++;
      if (tokens === tokenStart.length) {
        const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        tokenStart = grow(tokenStart);
        tokenEnd = grow(tokenEnd);
      }
      tokenStart[tokens] = i;
      tokenEnd[tokens] = j;
      tokens++;
      i = j;
    }
    return tokens;
  };

  const hashWords = (tokens: number): void => {
    // prev1/prev2 hold the unigram hashes of the previous tokens: n-grams chain them instead of rehashing text.
    let prev1 = 0;
    let prev2 = 0;
    for (let t = 0; t < tokens; t++) {
      const h = hashCodePoints(cps, tokenStart[t] as number, tokenEnd[t] as number, SEED_WORD);
      emit(h, GROUP_WORD);
      if (config.wordNgramMax >= 2 && t >= 1) emit(combineHashes(prev1, h, 2), GROUP_WORD);
      if (config.wordNgramMax >= 3 && t >= 2) emit(combineHashes(combineHashes(prev2, prev1, 3), h, 3), GROUP_WORD);
      prev2 = prev1;
      prev1 = h;
    }
  };

  // N-grams of the code points in [start, end), plus a virtual space before and after when `pad` (a word of `words` scope).
  const hashCharRun = (start: number, end: number, pad: boolean): void => {
    const { charNgramMin: min, charNgramMax: max } = config;
    const from = pad ? start - 1 : start;
    const to = pad ? end + 1 : end;
    for (let i = from; i < to; i++) {
      let h = fnvSeed(SEED_CHAR);
      const last = Math.min(to, i + max);
      for (let k = i; k < last; k++) {
        // Padding reads as a space. Inline, not a helper closure: tsx names every closure it creates (~0.8 µs each), and
        // this ran once per token of every classified text.
        const cp = k < start || k >= end ? 0x20 : (cps[k] as number);
        h = fnvCodePoint(h, cp);
        const n = k - i + 1;
        // A lone space says nothing; longer n-grams made of padding do not exist (whitespace is collapsed).
        if (n >= min && !(n === 1 && cp === 0x20)) emit(mix32(h), GROUP_CHAR);
      }
    }
  };

  const hashChars = (length: number, tokens: number): void => {
    if (config.charScope === "text") hashCharRun(0, length, false);
    else for (let t = 0; t < tokens; t++) hashCharRun(tokenStart[t] as number, tokenEnd[t] as number, true);
  };

  return {
    config,
    dimension: mask + 1,
    hash(text) {
      out.count = 0;
      // Non-ASCII text takes the full path (NFKC, Unicode lower-casing); ASCII text is folded while it is loaded, which gives
      // the same code points.
      const ascii = !NON_ASCII.test(text);
      const length = loadCodePoints(ascii ? text : normalizeText(text, config), ascii);
      const tokens = config.wordNgramMax > 0 || config.charScope === "words" ? tokenize(length) : 0;
      if (config.wordNgramMax > 0) hashWords(tokens);
      if (config.charNgramMax > 0) hashChars(length, tokens);
      return out;
    },
  };
}
