/**
 * Training a semantic cache: split the labeled pairs by question (train / calibration / test), fit the feature spaces and
 * train the hit verifier on the train split, then certify the acceptance threshold on the calibration split by running
 * the README protocol there (store its text_a, look up its text_b) with the trained verifier. The test split is never read
 * here: its hash goes in the model file, so a benchmark can check it measures pairs neither training nor calibration saw.
 *
 * The verifier learns on what it will see when serving: for each train lookup, the `candidates` nearest stored questions
 * by embedding cosine, labeled as the protocol scores them (1 only when the neighbour is known to ask the same thing:
 * protocol.ts), plus the pair itself when retrieval missed it.
 */
import { FrugalError } from "../../core/errors.ts";
import { groupedSplit } from "../../compact/random.ts";
import { modelLayers } from "../../compact/quantize.ts";
import { createEmbedder, fitSpaces, type Embedder, type StoredSpace, type TextRepresentation, type ViewName } from "./embedding.ts";
import type { ClassifierWeights } from "../../compact/quantize.ts";
import { pairFeatures, PAIR_FEATURE_NAMES, PAIR_FEATURES } from "./pair-features.ts";
import { hashPairs, knownDuplicates, questionGroups, splitPairs, type LabeledPair, type PairSet, type PairSplits } from "./pairs.ts";
import { createVectorIndex } from "./vector-index.ts";
import { trainVerifier, verifierFromWeights, type Verifier } from "./verifier.ts";
import { createSemanticIndex } from "./semantic-index.ts";
import { runProtocol, scoreAt, type CacheScore, type LookupOutcomes } from "./protocol.ts";
import { certifyWrongHitRate, minimumCalibrationLookups } from "./certify.ts";
import { saveSemanticCacheModel, SEMANTIC_CACHE_SCHEMA, type SemanticCacheMeta } from "./model-file.ts";

export interface TrainSemanticCacheOptions {
  pairs: PairSet;
  out: string;
  maxWrongHitRate: number;
  confidenceLevel?: number;
  seed?: number;
  hiddenUnits?: number;
  candidates?: number;
  dimension?: number;
  onProgress?: (stage: "fit" | "examples" | "train" | "calibrate", done: number, total: number) => void;
}

export interface TrainSemanticCacheResult {
  meta: SemanticCacheMeta;
  bytes: number;
  /** The protocol's figures on the calibration split at the certified threshold (the data it was certified on). */
  calibration: CacheScore;
}

/** Memoized representations: every question is featurized once per training run. */
export function representationCache(embedder: Embedder): (text: string) => TextRepresentation {
  const memo = new Map<string, TextRepresentation>();
  return (text) => {
    let r = memo.get(text);
    if (r === undefined) {
      r = embedder.represent(text);
      memo.set(text, r);
    }
    return r;
  };
}

/** Verifier examples from one part of the train split, with its own store of text_a (as serving would have). */
function verifierExamples(embedder: Embedder, represent: (t: string) => TextRepresentation, pairs: readonly LabeledPair[], candidates: number): { features: Float32Array; labels: Int32Array } {
  const index = createVectorIndex({ dimension: embedder.config.dimension, initialCapacity: pairs.length });
  const slotText: string[] = [];
  const seen = new Set<string>();
  for (const p of pairs) {
    if (seen.has(p.textA)) continue;
    seen.add(p.textA);
    slotText[index.add(embedder.embed(p.textA))] = p.textA;
  }
  const same = knownDuplicates(pairs);
  const rows: number[] = [];
  const labels: number[] = [];
  const row = new Float32Array(PAIR_FEATURES);
  const query = new Float32Array(embedder.config.dimension);
  for (const p of pairs) {
    const b = represent(p.textB);
    const found = index.search(embedder.embed(p.textB, query), candidates);
    let ownSeen = false;
    for (let i = 0; i < found.count; i++) {
      const text = slotText[found.slots[i] as number] as string;
      const own = text === p.textA;
      ownSeen ||= own;
      rows.push(...pairFeatures(embedder, represent(text), b, found.scores[i] as number, row));
      labels.push(same(text, p.textB) ? 1 : 0);
    }
    if (!ownSeen) {
      const a = represent(p.textA);
      embedder.embed(p.textA, query);
      const other = embedder.embed(p.textB);
      let cos = 0;
      for (let d = 0; d < query.length; d++) cos += (query[d] as number) * (other[d] as number);
      rows.push(...pairFeatures(embedder, a, b, cos, row));
      labels.push(p.label);
    }
  }
  return { features: Float32Array.from(rows), labels: Int32Array.from(labels) };
}

/** Everything up to the certificate: a benchmark certifies several δ on one fit (the verifier does not depend on δ). */
export interface FittedSemanticCache {
  spaces: Record<ViewName, StoredSpace>;
  embedder: Embedder;
  weights: ClassifierWeights;
  verifier: Verifier;
  splits: PairSplits;
  /** The protocol run on the calibration split with this verifier. */
  outcomes: LookupOutcomes;
  storedEntries: number;
  examples: number;
  seed: number;
  candidates: number;
  hiddenUnits: number;
  dimension: number;
  seconds: number;
}

export function checkCertifiable(set: PairSet, splits: PairSplits, maxWrongHitRate: number, confidenceLevel: number): void {
  const needed = minimumCalibrationLookups(maxWrongHitRate, confidenceLevel);
  if (splits.calibration.length >= needed && splits.train.length >= 100) return;
  throw new FrugalError(
    "input_invalid",
    `${set.file}: too few pairs to certify a wrong-hit rate of ${maxWrongHitRate}: ${set.pairs.length} pairs give ${splits.calibration.length} calibration lookups and ${splits.train.length} training pairs; ` +
      `certifying needs at least ${needed} calibration lookups (about ${Math.ceil(needed / 0.25)} pairs) and 100 training pairs (a larger --max-wrong-hit needs fewer)`,
    { details: { file: set.file } },
  );
}

export function fitSemanticCache(options: Omit<TrainSemanticCacheOptions, "out" | "maxWrongHitRate"> & { check?: (splits: PairSplits) => void }): FittedSemanticCache {
  const started = performance.now();
  const set = options.pairs;
  const seed = options.seed ?? 1;
  const candidates = options.candidates ?? 5;
  const hiddenUnits = options.hiddenUnits ?? 16;
  const dimension = options.dimension ?? 256;
  const progress = options.onProgress ?? (() => {});
  const splits = splitPairs(set.pairs, seed);
  options.check?.(splits);
  progress("fit", 0, 1);
  const trainTexts = [...new Set(splits.train.flatMap((p) => [p.textA, p.textB]))];
  const spaces = fitSpaces(trainTexts);
  const embedder = createEmbedder(spaces, { dimension, seed });
  const represent = representationCache(embedder);
  progress("examples", 0, 2);
  // Early stopping needs examples the weights never trained on: a second split by question inside the train split.
  const [fitIdx, validIdx] = groupedSplit(questionGroups(splits.train), { fractions: [0.8, 0.2], seed: seed + 1 });
  const pick = (idx: Int32Array | undefined): LabeledPair[] => Array.from(idx ?? [], (i) => splits.train[i] as LabeledPair);
  const fit = verifierExamples(embedder, represent, pick(fitIdx), candidates);
  progress("examples", 1, 2);
  const valid = verifierExamples(embedder, represent, pick(validIdx), candidates);
  progress("train", 0, 1);
  const weights = trainVerifier(fit, valid, { hiddenUnits, seed });
  const verifier = verifierFromWeights(weights);
  const index = createSemanticIndex<string>({ embedder, verifier, candidates, represent, initialCapacity: splits.calibration.length });
  const outcomes = runProtocol(index, splits.calibration, (done, total) => progress("calibrate", done, total));
  return {
    spaces,
    embedder,
    weights,
    verifier,
    splits,
    outcomes,
    storedEntries: index.size,
    examples: fit.labels.length + valid.labels.length,
    seed,
    candidates,
    hiddenUnits,
    dimension,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Certifies δ on a fit's calibration outcomes and writes the model file. */
export function certifyAndSave(fitted: FittedSemanticCache, set: PairSet, options: { out: string; maxWrongHitRate: number; confidenceLevel?: number }): TrainSemanticCacheResult {
  const { splits, outcomes } = fitted;
  const certificate = certifyWrongHitRate({ scores: outcomes.scores, wrong: outcomes.wrong.known, maxWrongHitRate: options.maxWrongHitRate, confidenceLevel: options.confidenceLevel ?? 0.95 });
  const meta: SemanticCacheMeta = {
    schema: SEMANTIC_CACHE_SCHEMA,
    embedding: { dimension: fitted.dimension, seed: fitted.seed },
    candidates: fitted.candidates,
    verifier: { kind: fitted.hiddenUnits === 0 ? "logistic" : "mlp", hiddenUnits: fitted.hiddenUnits, features: PAIR_FEATURE_NAMES },
    certificate,
    calibration: {
      data: set.name,
      data_sha256: set.sha256,
      pairs: splits.calibration.length,
      pairs_sha256: hashPairs(splits.calibration),
      stored_entries: fitted.storedEntries,
      lookups: outcomes.scores.length,
      duplicates: outcomes.duplicates,
    },
    splits: {
      seed: fitted.seed,
      method: "connected questions grouped; 50/25/25 train/calibration/test",
      train: splits.train.length,
      calibration: splits.calibration.length,
      test: splits.test.length,
      test_sha256: hashPairs(splits.test),
    },
    training: { pairs: splits.train.length, examples: fitted.examples, seconds: fitted.seconds },
  };
  const bytes = saveSemanticCacheModel(options.out, { spaces: fitted.spaces, layers: modelLayers(fitted.weights, "float32"), meta });
  return { meta, bytes, calibration: scoreAt(outcomes, certificate.threshold) };
}

export function trainSemanticCache(options: TrainSemanticCacheOptions): TrainSemanticCacheResult {
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  const fitted = fitSemanticCache({ ...options, check: (splits) => checkCertifiable(options.pairs, splits, options.maxWrongHitRate, confidenceLevel) });
  return certifyAndSave(fitted, options.pairs, { out: options.out, maxWrongHitRate: options.maxWrongHitRate, confidenceLevel });
}
