/**
 * Feature hashing for the field ranker. A feature is a (role, key) pair — "word `total` on the line above", "date format
 * d/m/y4" — hashed into a fixed-size weight vector, so the model needs no vocabulary and an unseen word costs nothing. Keys
 * are hashed once per document and combined with the role by an integer mix, never by string concatenation: the
 * extractor scores a few hundred candidates per receipt and has a 2 ms budget.
 */
import type { WeightTable } from "./weight-table.ts";

/**
 * The hashed index of a (role, key) feature: murmur3's finalizer over the pair, as src/compact/hashing.ts combines hashes.
 * Inlined rather than imported because it runs tens of thousands of times per receipt, and a cross-module call costs
 * more than the mix itself. Its values are pinned by a test: saved models depend on them.
 */
export function mixFeature(role: number, key: number): number {
  let h = (Math.imul(role, 0x9e3779b1) ^ key ^ Math.imul(0x5eed, 0x27d4eb2f)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Receives the features of one candidate. Training collects them; serving only needs the dot product with the weights. */
export interface FeatureSink {
  add(role: number, key: number, value?: number): void;
  /**
   * A bag of keys that depends only on (role, line) within the current document — "the words of the line above". Many
   * candidates share a line, so the scorer caches the bag's contribution instead of re-hashing it per candidate.
   */
  addBag(role: number, line: number, keys: readonly number[]): void;
}

/** Serving: accumulates w·x directly, no allocation per feature. */
export class ScoringSink implements FeatureSink {
  score = 0;
  private readonly bags = new Map<number, number>();
  constructor(private readonly weights: WeightTable) {}
  /** Call before the first candidate of each document: the bag cache is per document. */
  beginDocument(): void {
    this.bags.clear();
  }
  reset(): void {
    this.score = 0;
  }
  add(role: number, key: number, value = 1): void {
    this.score += this.weights.get(mixFeature(role, key)) * value;
  }
  addBag(role: number, line: number, keys: readonly number[]): void {
    const id = role * 1_000_003 + line;
    let contribution = this.bags.get(id);
    if (contribution === undefined) {
      contribution = 0;
      for (const key of keys) contribution += this.weights.get(mixFeature(role, key));
      this.bags.set(id, contribution);
    }
    this.score += contribution;
  }
}

export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Training: collects the hashed indices and values of one candidate. Duplicates are kept as separate entries: the score
 * and the gradient come out the same, and merging them cost more than the training itself.
 */
export class CollectingSink implements FeatureSink {
  private indices = new Int32Array(256);
  private values = new Float32Array(256);
  private length = 0;
  private readonly mask: number;
  constructor(dimension: number) {
    this.mask = dimension - 1;
  }
  reset(): void {
    this.length = 0;
  }
  add(role: number, key: number, value = 1): void {
    if (value === 0) return;
    if (this.length === this.indices.length) {
      const indices = new Int32Array(this.length * 2);
      indices.set(this.indices);
      this.indices = indices;
      const values = new Float32Array(this.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.indices[this.length] = mixFeature(role, key) & this.mask;
    this.values[this.length] = value;
    this.length++;
  }
  addBag(role: number, _line: number, keys: readonly number[]): void {
    for (const key of keys) this.add(role, key);
  }
  take(): SparseVector {
    const vector = { indices: this.indices.slice(0, this.length), values: this.values.slice(0, this.length) };
    this.length = 0;
    return vector;
  }
}
