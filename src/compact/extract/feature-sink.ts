/**
 * Feature hashing for the field ranker. A feature is a (role, key) pair — "word `total` on the line above", "date format
 * d/m/y4" — hashed into a fixed-size weight vector, so the model needs no vocabulary and an unseen word costs nothing. Keys
 * are hashed once per document and combined with the role by an integer mix, never by string concatenation: the
 * extractor scores a few hundred candidates per receipt and has a 2 ms budget.
 */
import { combineHashes } from "../hashing.ts";
import type { WeightTable } from "./weight-table.ts";

/** The seed that keeps ranker features apart from the featurizer's n-gram hashes. */
const FEATURE_SEED = 0x5eed;

/**
 * The hashed index of a (role, key) feature: the order-sensitive hash combination of src/compact/hashing.ts (V8 inlines
 * it; it runs tens of thousands of times per receipt). Its values are pinned by a test: saved models depend on them.
 */
export function mixFeature(role: number, key: number): number {
  return combineHashes(role, key, FEATURE_SEED);
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

/** Bag-cache slots: a power of two, at most half filled; a document needing more bags than that scores the rest uncached. */
const BAG_SLOTS = 1024;
const BAG_LIMIT = BAG_SLOTS / 2;

/**
 * Serving: accumulates w·x directly, with no allocation per feature or per document. The bag cache is a fixed
 * open-addressing table stamped with a document counter, so starting a document costs nothing (a Map cleared per
 * document re-grew its storage every time: a measurable share of the garbage each prediction left).
 */
export class ScoringSink implements FeatureSink {
  score = 0;
  private readonly bagIds = new Int32Array(BAG_SLOTS);
  private readonly bagStamps = new Uint32Array(BAG_SLOTS);
  private readonly bagValues = new Float64Array(BAG_SLOTS);
  private stamp = 0;
  private bags = 0;
  constructor(private readonly weights: WeightTable) {}
  /** Call before the first candidate of each document: the bag cache is per document. */
  beginDocument(): void {
    this.bags = 0;
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      // Wrapped after 2^32 documents: forget every slot once.
      this.bagStamps.fill(0);
      this.stamp = 1;
    }
  }
  reset(): void {
    this.score = 0;
  }
  add(role: number, key: number, value = 1): void {
    this.score += this.weights.get(mixFeature(role, key)) * value;
  }
  addBag(role: number, line: number, keys: readonly number[]): void {
    const id = role * 1_000_003 + line;
    let slot = Math.imul(id, 0x9e3779b1) >>> 22;
    for (;;) {
      if (this.bagStamps[slot] !== this.stamp) break;
      if (this.bagIds[slot] === id) {
        this.score += this.bagValues[slot] as number;
        return;
      }
      slot = (slot + 1) & (BAG_SLOTS - 1);
    }
    let contribution = 0;
    for (let k = 0; k < keys.length; k++) contribution += this.weights.get(mixFeature(role, keys[k] as number));
    this.score += contribution;
    if (this.bags >= BAG_LIMIT) return;
    this.bags++;
    this.bagStamps[slot] = this.stamp;
    this.bagIds[slot] = id;
    this.bagValues[slot] = contribution;
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
