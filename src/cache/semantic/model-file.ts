/**
 * The semantic cache's model file (the project's versioned single-file format, src/compact/model-file.ts, kind
 * "semantic-cache"): the three fitted feature spaces, the verifier's layers, and in the header the certificate — δ, the
 * confidence level, the certified threshold and what it was certified on (the calibration data's file name, hash and size).
 */
import { FrugalError } from "../../core/errors.ts";
import { readModelFile, writeModelFile, type ModelFileContents } from "../../compact/model-file.ts";
import type { DenseLayer } from "../../compact/network-scorer.ts";
import { createEmbedder, VIEW_FEATURIZERS, VIEW_NAMES, type Embedder, type EmbeddingConfig, type StoredSpace, type ViewName } from "./embedding.ts";
import { PAIR_FEATURE_NAMES, PAIR_FEATURES } from "./pair-features.ts";
import { createVerifier, type Verifier } from "./verifier.ts";
import type { WrongHitCertificate } from "./certify.ts";

export const SEMANTIC_CACHE_KIND = "semantic-cache";
export const SEMANTIC_CACHE_SCHEMA = 1;

export interface SemanticCacheMeta {
  schema: number;
  embedding: EmbeddingConfig;
  /** Nearest entries the verifier reads per lookup. */
  candidates: number;
  verifier: { kind: "logistic" | "mlp"; hiddenUnits: number; features: readonly string[] };
  certificate: WrongHitCertificate;
  /** What the threshold was certified on. */
  calibration: { data: string; data_sha256: string; pairs: number; pairs_sha256: string; stored_entries: number; lookups: number; duplicates: number };
  splits: { seed: number; method: string; train: number; calibration: number; test: number; test_sha256: string };
  training: { pairs: number; examples: number; seconds: number };
}

export interface SemanticCacheModel {
  embedder: Embedder;
  verifier: Verifier;
  /** The certified threshold (+Infinity: never hit). */
  threshold: number;
  meta: SemanticCacheMeta;
}

export function saveSemanticCacheModel(file: string, parts: { spaces: Record<ViewName, StoredSpace>; layers: DenseLayer[]; meta: SemanticCacheMeta }): number {
  const tensors: ModelFileContents["tensors"] = {};
  for (const view of VIEW_NAMES) {
    const s = parts.spaces[view];
    tensors[`${view}.buckets`] = { dtype: "uint32", shape: [s.buckets.length], data: s.buckets };
    tensors[`${view}.idf`] = { dtype: "float32", shape: [s.idf.length], data: s.idf };
  }
  parts.layers.forEach((layer, i) => {
    if (!(layer.weights instanceof Float32Array)) throw new FrugalError("internal", "the verifier is stored in float32");
    tensors[`layer${i}.weights`] = { dtype: "float32", shape: [layer.numInputs, layer.numOutputs], data: layer.weights };
    tensors[`layer${i}.bias`] = { dtype: "float32", shape: [layer.numOutputs], data: layer.bias };
  });
  // JSON has no Infinity: an uncertified threshold is stored as null.
  const meta = { ...parts.meta, featurizers: VIEW_FEATURIZERS, certificate: { ...parts.meta.certificate, threshold: Number.isFinite(parts.meta.certificate.threshold) ? parts.meta.certificate.threshold : null } };
  return writeModelFile(file, { kind: SEMANTIC_CACHE_KIND, meta, tensors });
}

export function loadSemanticCacheModel(file: string): SemanticCacheModel {
  const contents = readModelFile(file, SEMANTIC_CACHE_KIND);
  const invalid = (why: string): FrugalError => new FrugalError("model_file_invalid", `${file}: not a usable semantic cache model (${why})`, { details: { file } });
  const meta = contents.meta as unknown as SemanticCacheMeta & { certificate: { threshold: number | null } };
  if (meta.schema !== SEMANTIC_CACHE_SCHEMA) throw invalid(`schema ${String(meta.schema)}, this frugal reads ${SEMANTIC_CACHE_SCHEMA}`);
  if (meta.verifier?.features?.length !== PAIR_FEATURES || meta.verifier.features.some((f, i) => f !== PAIR_FEATURE_NAMES[i])) {
    throw invalid("its verifier reads other pair features than this frugal computes");
  }
  const tensor = <T>(name: string, ctor: new (...args: never[]) => T): T => {
    const t = contents.tensors[name]?.data;
    if (!(t instanceof ctor)) throw invalid(`tensor ${name} is missing`);
    return t;
  };
  const spaces = {} as Record<ViewName, StoredSpace>;
  for (const view of VIEW_NAMES) spaces[view] = { buckets: tensor(`${view}.buckets`, Uint32Array), idf: tensor(`${view}.idf`, Float32Array) };
  const layers: DenseLayer[] = [];
  for (let i = 0; contents.tensors[`layer${i}.weights`] !== undefined; i++) {
    const shape = contents.tensors[`layer${i}.weights`]?.shape ?? [];
    layers.push({ numInputs: shape[0] as number, numOutputs: shape[1] as number, weights: tensor(`layer${i}.weights`, Float32Array), bias: tensor(`layer${i}.bias`, Float32Array) });
  }
  if (layers.length === 0) throw invalid("no verifier layers");
  const threshold = meta.certificate.threshold ?? Number.POSITIVE_INFINITY;
  let verifier: Verifier;
  try {
    verifier = createVerifier(layers);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  return { embedder: createEmbedder(spaces, meta.embedding), verifier, threshold, meta: { ...meta, certificate: { ...meta.certificate, threshold } } };
}
