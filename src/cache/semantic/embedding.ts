/**
 * The semantic cache's text representation, built only from the project's own hashed n-gram featurizer (no downloaded
 * weights): three TF-IDF views fitted on the training questions (word uni+bigrams, word unigrams, character n-grams within
 * words), and a dense embedding for nearest-neighbour search — the word and character views, each L2-normalised, projected
 * to `dimension` coordinates by a fixed signed hashing of their rows (a sparse random projection: inner products are kept
 * in expectation), then L2-normalised again. The index stores it as int8 (vector-index.ts).
 */
import { createFeatureSpace, fitFeatureSpace, type FeatureSpace } from "../../compact/feature-space.ts";
import type { FeaturizerConfigInput } from "../../compact/featurizer.ts";
import { mix32 } from "../../compact/hashing.ts";
import { textFacts, type TextFacts } from "./text-facts.ts";

export const VIEW_NAMES = ["word", "unigram", "char"] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** The featurizer of each view; digits are not folded so that "iPhone 6" and "iPhone 7" stay apart. */
export const VIEW_FEATURIZERS: Record<ViewName, FeaturizerConfigInput> = {
  word: { wordNgramMax: 2, charNgramMax: 0, foldDigits: false },
  unigram: { wordNgramMax: 1, charNgramMax: 0, foldDigits: false },
  char: { wordNgramMax: 0, charNgramMin: 3, charNgramMax: 5, foldDigits: false },
};

export interface StoredSpace {
  buckets: Uint32Array;
  idf: Float32Array;
}

export interface EmbeddingConfig {
  dimension: number;
  seed: number;
}

/** A sparse vector owned by its holder (not a view into a featurizer's scratch). */
export interface OwnedSparse {
  indices: Int32Array;
  values: Float32Array;
}

export interface TextRepresentation {
  text: string;
  facts: TextFacts;
  views: Record<ViewName, OwnedSparse>;
}

export interface Embedder {
  readonly config: EmbeddingConfig;
  readonly spaces: Record<ViewName, FeatureSpace>;
  /** The unit-norm dense embedding of `text`, written into `out`. */
  embed(text: string, out?: Float32Array): Float32Array;
  /** Everything the hit verifier reads about one text. */
  represent(text: string): TextRepresentation;
  /** IDF of one word in the unigram view (the maximum when the word was never seen in training). */
  idfOf(word: string): number;
  /** Cosine of two sparse vectors of view `view`. */
  cosine(view: ViewName, a: OwnedSparse, b: OwnedSparse): number;
}

export function fitSpaces(texts: readonly string[]): Record<ViewName, StoredSpace> {
  const out = {} as Record<ViewName, StoredSpace>;
  // minDf 2: a bucket seen in one question only would be noise in every cosine and costs file size.
  for (const view of VIEW_NAMES) {
    const space = fitFeatureSpace(texts, { featurizer: VIEW_FEATURIZERS[view], minDf: 2 });
    out[view] = { buckets: space.buckets, idf: space.idf };
  }
  return out;
}

function own(space: FeatureSpace, text: string): OwnedSparse {
  const v = space.transform(text);
  return { indices: v.indices.slice(0, v.nnz), values: v.values.slice(0, v.nnz) };
}

export function createEmbedder(stored: Record<ViewName, StoredSpace>, config: EmbeddingConfig): Embedder {
  const spaces = {} as Record<ViewName, FeatureSpace>;
  for (const view of VIEW_NAMES) spaces[view] = createFeatureSpace({ featurizer: VIEW_FEATURIZERS[view], ...stored[view] });
  const { dimension, seed } = config;
  // Where each row of the word and char views lands, and with which sign: fixed by the seed, computed once.
  const projection = (view: ViewName, salt: number): Int32Array => {
    const rows = spaces[view].size;
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const h = mix32((seed ^ Math.imul(r + 1, 0x9e3779b1) ^ salt) >>> 0);
      out[r] = (((h >>> 1) % dimension) + 1) * ((h & 1) === 1 ? 1 : -1);
    }
    return out;
  };
  // Stored as ±(slot + 1) so that slot 0 keeps its sign.
  const projected = { word: projection("word", 0x57), char: projection("char", 0x43) };
  const unigram = spaces.unigram;
  const maxIdf = unigram.idf.reduce((m, v) => Math.max(m, v), 1);
  const scratch = Object.fromEntries(VIEW_NAMES.map((v) => [v, new Float32Array(spaces[v].size)])) as Record<ViewName, Float32Array>;

  const embed = (text: string, out = new Float32Array(dimension)): Float32Array => {
    out.fill(0);
    for (const view of ["word", "char"] as const) {
      const v = spaces[view].transform(text);
      const map = projected[view];
      for (let p = 0; p < v.nnz; p++) {
        const code = map[v.indices[p] as number] as number;
        const slot = Math.abs(code) - 1;
        out[slot] = (out[slot] as number) + (code > 0 ? 1 : -1) * (v.values[p] as number);
      }
    }
    let norm = 0;
    for (let d = 0; d < dimension; d++) norm += (out[d] as number) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dimension; d++) out[d] = (out[d] as number) * scale;
    return out;
  };

  return {
    config,
    spaces,
    embed,
    represent(text) {
      return { text, facts: textFacts(text), views: { word: own(spaces.word, text), unigram: own(spaces.unigram, text), char: own(spaces.char, text) } };
    },
    idfOf(word) {
      const hashed = unigram.featurizer.hash(word);
      if (hashed.count === 0) return maxIdf;
      const bucket = hashed.buckets[0] as number;
      // Binary search in the ascending bucket list.
      let lo = 0;
      let hi = unigram.buckets.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const at = unigram.buckets[mid] as number;
        if (at === bucket) return unigram.idf[mid] as number;
        if (at < bucket) lo = mid + 1;
        else hi = mid - 1;
      }
      return maxIdf;
    },
    cosine(view, a, b) {
      const dense = scratch[view];
      for (let p = 0; p < a.indices.length; p++) dense[a.indices[p] as number] = a.values[p] as number;
      let dot = 0;
      for (let p = 0; p < b.indices.length; p++) dot += (dense[b.indices[p] as number] as number) * (b.values[p] as number);
      for (let p = 0; p < a.indices.length; p++) dense[a.indices[p] as number] = 0;
      return dot;
    },
  };
}
