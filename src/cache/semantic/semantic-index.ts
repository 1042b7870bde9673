/**
 * One semantic cache's entries: the int8 vector index (retrieval by embedding cosine) plus the texts and values, and the
 * verifier that reads the `candidates` nearest stored questions and scores each pair. `best` returns the retrieval's top
 * cosine (what a GPTCache-style cache would threshold) and the verifier's best candidate (what frugal thresholds), so the
 * two can be compared on the same retrieval.
 */
import type { Embedder, TextRepresentation } from "./embedding.ts";
import { pairFeatures, PAIR_FEATURES } from "./pair-features.ts";
import type { Verifier } from "./verifier.ts";
import { createVectorIndex, type Neighbours } from "./vector-index.ts";

export interface BestCandidate {
  /** The verifier's pick among the retrieved candidates. */
  slot: number;
  probability: number;
  /** The retrieval's nearest entry and its cosine. */
  nearestSlot: number;
  nearestCosine: number;
}

export interface SemanticIndex<V> {
  readonly size: number;
  readonly backend: "wasm-simd" | "js";
  add(text: string, value: V): number;
  remove(slot: number): void;
  text(slot: number): string;
  value(slot: number): V;
  /** undefined when nothing is stored. */
  best(text: string): BestCandidate | undefined;
}

export interface SemanticIndexOptions {
  embedder: Embedder;
  verifier: Verifier;
  /** How many nearest entries the verifier reads. */
  candidates: number;
  /** Representations of texts, e.g. memoized across a benchmark; default: computed on each use. */
  represent?: (text: string) => TextRepresentation;
  initialCapacity?: number;
  backend?: "auto" | "js";
}

export function createSemanticIndex<V>(options: SemanticIndexOptions): SemanticIndex<V> {
  const { embedder, verifier, candidates } = options;
  const represent = options.represent ?? ((text: string) => embedder.represent(text));
  const index = createVectorIndex({
    dimension: embedder.config.dimension,
    ...(options.initialCapacity === undefined ? {} : { initialCapacity: options.initialCapacity }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  const texts: string[] = [];
  const values: V[] = [];
  const query = new Float32Array(embedder.config.dimension);
  const neighbours: Neighbours = { count: 0, slots: new Int32Array(candidates), scores: new Float32Array(candidates) };
  const features = new Float32Array(PAIR_FEATURES);
  return {
    get size() {
      return index.size;
    },
    backend: index.backend,
    add(text, value) {
      const slot = index.add(embedder.embed(text, query));
      texts[slot] = text;
      values[slot] = value;
      return slot;
    },
    remove(slot) {
      index.remove(slot);
      texts[slot] = "";
      values[slot] = undefined as V;
    },
    text: (slot) => texts[slot] as string,
    value: (slot) => values[slot] as V,
    best(text) {
      index.search(embedder.embed(text, query), candidates, neighbours);
      if (neighbours.count === 0) return undefined;
      const incoming = represent(text);
      let best = { slot: -1, probability: -1 };
      for (let i = 0; i < neighbours.count; i++) {
        const slot = neighbours.slots[i] as number;
        const probability = verifier.probability(pairFeatures(embedder, represent(texts[slot] as string), incoming, neighbours.scores[i] as number, features));
        if (probability > best.probability) best = { slot, probability };
      }
      return { ...best, nearestSlot: neighbours.slots[0] as number, nearestCosine: neighbours.scores[0] as number };
    },
  };
}
