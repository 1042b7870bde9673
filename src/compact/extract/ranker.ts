/**
 * The learned ranker: one linear scorer per field, trained listwise. For each document the candidates' scores go through a
 * softmax, and the loss is minus the log of the probability mass on the candidates equal to the gold value (several
 * candidates can spell the same value: a total printed three times). Ranking within a document, rather than classifying
 * each candidate alone, is what the task is — exactly one value is right per receipt — and it makes the summed softmax mass
 * of the winning value a usable confidence before calibration.
 *
 * Optimizer: AdaGrad over sparse gradients with L2 applied to the touched weights, a fixed number of epochs over a seeded
 * shuffle. Deterministic for a given seed.
 */
import { createRng } from "../random.ts";
import type { SparseVector } from "./feature-sink.ts";

export interface RankingGroup {
  vectors: SparseVector[];
  /** One more binary feature per candidate (its hashed index), kept apart because it changes per fold. */
  extra?: Int32Array;
  /** 1 where the candidate's value equals the gold value. */
  positive: Uint8Array;
}

export interface RankerOptions {
  dimension: number;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  onEpoch?: (epoch: number) => void;
}

export function scoreVector(weights: Float32Array, vector: SparseVector): number {
  let score = 0;
  for (let i = 0; i < vector.indices.length; i++) score += (weights[vector.indices[i] as number] as number) * (vector.values[i] as number);
  return score;
}

/** Softmax in place over `scores` (returns the same array), stable for large scores. */
export function softmaxInPlace(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const e = Math.exp((scores[i] as number) - max);
    scores[i] = e;
    sum += e;
  }
  for (let i = 0; i < scores.length; i++) scores[i] = (scores[i] as number) / sum;
  return scores;
}

export function trainRanker(groups: readonly RankingGroup[], options: RankerOptions): Float32Array {
  const weights = new Float32Array(options.dimension);
  const squared = new Float32Array(options.dimension);
  // Documents whose gold value is not among the candidates teach nothing about ranking.
  const usable = groups.filter((g) => g.positive.some((p) => p === 1) && g.vectors.length > 0);
  const order = usable.map((_, i) => i);
  const random = createRng(options.seed);
  const update = (w: number, gradient: number): void => {
    const g = gradient + options.l2 * (weights[w] as number);
    const s = (squared[w] as number) + g * g;
    squared[w] = s;
    weights[w] = (weights[w] as number) - (options.learningRate * g) / Math.sqrt(s + 1e-8);
  };
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const index of order) {
      const group = usable[index] as RankingGroup;
      const extra = group.extra;
      const p = softmaxInPlace(Float64Array.from(group.vectors, (v, c) => scoreVector(weights, v) + (extra === undefined ? 0 : (weights[extra[c] as number] as number))));
      let positiveMass = 0;
      for (let c = 0; c < p.length; c++) if (group.positive[c] === 1) positiveMass += p[c] as number;
      for (let c = 0; c < p.length; c++) {
        // d(-log Σ_pos p)/d score_c = p_c - [c ∈ pos]·p_c / Σ_pos p
        const pc = p[c] as number;
        const gradient = group.positive[c] === 1 ? pc - pc / positiveMass : pc;
        if (Math.abs(gradient) < 1e-4) continue;
        const vector = group.vectors[c] as SparseVector;
        for (let k = 0; k < vector.indices.length; k++) update(vector.indices[k] as number, gradient * (vector.values[k] as number));
        if (extra !== undefined) update(extra[c] as number, gradient);
      }
    }
    options.onEpoch?.(epoch + 1);
  }
  return weights;
}
