/**
 * Turns labeled documents into ranking groups for one field: every candidate's sparse features and whether it spells the
 * gold value. Features are computed once per document (`featurizeField`); only the value-memory feature depends on which
 * documents the memory was built from, so each cross-validation fold adds it cheaply (`withMemory`). The memory is counted
 * leave-one-out: a training document's own label must not vouch for its candidates, or the model would learn to trust a
 * feature that is never that strong on new documents.
 */
import { generateCandidates, type FieldSpec } from "./candidates.ts";
import type { ExtractDocument } from "./document.ts";
import { buildFieldContext, emitFeatures, MEMORY_ROLE, memoryBucket } from "./features.ts";
import { CollectingSink, mixFeature } from "./feature-sink.ts";
import type { ValueMemory } from "./memory.ts";
import { canonicalKey, normalizeForMatch } from "./normalize.ts";
import type { RankingGroup } from "./ranker.ts";
import type { SparseVector } from "./feature-sink.ts";

export interface FeaturizedDocument {
  /** Index of the document in the training set (for fold membership). */
  doc: number;
  gold: string;
  vectors: SparseVector[];
  canonical: string[];
  positive: Uint8Array;
}

/** Documents lacking the field, or whose gold value no candidate spells, are left out: they teach nothing to a ranker. */
export function featurizeField(docs: readonly ExtractDocument[], golds: ReadonlyArray<string | null>, spec: FieldSpec, dimension: number): FeaturizedDocument[] {
  const sink = new CollectingSink(dimension);
  const out: FeaturizedDocument[] = [];
  docs.forEach((doc, index) => {
    const gold = golds[index];
    if (gold === null || gold === undefined) return;
    const key = normalizeForMatch(gold);
    const candidates = generateCandidates(doc, spec);
    if (!candidates.some((c) => c.key === key)) return;
    const context = buildFieldContext(doc, candidates);
    const vectors = candidates.map((c) => {
      emitFeatures(doc, context, c, sink);
      return sink.take();
    });
    out.push({
      doc: index,
      gold,
      vectors,
      canonical: candidates.map((c) => canonicalKey(c.value)),
      positive: Uint8Array.from(candidates, (c) => (c.key === key ? 1 : 0)),
    });
  });
  return out;
}

/** Ranking groups with the memory feature of `memory` (null: the "no memory" bucket for every candidate). */
export function withMemory(featurized: readonly FeaturizedDocument[], memory: ValueMemory | null, dimension: number): RankingGroup[] {
  const mask = dimension - 1;
  return featurized.map((f) => ({
    vectors: f.vectors,
    positive: f.positive,
    extra: Int32Array.from(f.canonical, (key) => mixFeature(MEMORY_ROLE, memoryBucket(memory === null ? 0 : memory.count(key, f.gold))) & mask),
  }));
}
