/**
 * A fitted feature space: which hash buckets became rows (those seen in enough training texts), and their IDF. Keeping only
 * seen buckets lets the hashing space be large (few collisions) while the model stores one weight row per feature that
 * training could actually learn something about — the model file's size follows the data, not 2^hashBits.
 *
 * Buckets outside the space are dropped before weighting and normalization, at training and at serving alike, so both see
 * the same vectors.
 */
import { FrugalError } from "../core/errors.ts";
import { createFeaturizer, GROUP_CHAR, GROUP_WORD, type Featurizer, type FeaturizerConfigInput } from "./featurizer.ts";
import { createSparseVector, CsrBuilder, ensureSparseCapacity, type CsrMatrix, type SparseVector } from "./sparse.ts";

export interface FeatureSpace {
  readonly featurizer: Featurizer;
  /** Number of rows (kept buckets). */
  readonly size: number;
  /** Kept buckets, ascending: row r is bucket buckets[r]. */
  readonly buckets: Uint32Array;
  /** Per-row IDF (all ones with `weighting: "log"`). */
  readonly idf: Float32Array;
  /** L2-normalized feature vector of `text`. Without `out`, returns an internal buffer reused by the next call. */
  transform(text: string, out?: SparseVector): SparseVector;
  transformAll(texts: readonly string[], onProgress?: (done: number) => void): CsrMatrix;
}

export interface FitFeatureSpaceOptions {
  featurizer?: FeaturizerConfigInput;
  /** Keep buckets seen in at least this many texts. */
  minDf?: number;
  /** Keep at most this many buckets, the most frequent first (bounds the model file size). */
  maxFeatures?: number;
}

export function fitFeatureSpace(texts: readonly string[], options: FitFeatureSpaceOptions = {}): FeatureSpace {
  const featurizer = createFeaturizer(options.featurizer);
  const minDf = options.minDf ?? 1;
  const maxFeatures = options.maxFeatures ?? Number.POSITIVE_INFINITY;
  const df = new Int32Array(featurizer.dimension);
  const lastDoc = new Int32Array(featurizer.dimension).fill(-1);
  texts.forEach((text, doc) => {
    const hashed = featurizer.hash(text);
    for (let i = 0; i < hashed.count; i++) {
      const bucket = hashed.buckets[i] as number;
      if (lastDoc[bucket] !== doc) {
        lastDoc[bucket] = doc;
        df[bucket] = (df[bucket] as number) + 1;
      }
    }
  });
  let candidates: number[] = [];
  for (let b = 0; b < df.length; b++) if ((df[b] as number) >= minDf && (df[b] as number) > 0) candidates.push(b);
  if (candidates.length > maxFeatures) {
    // Most frequent first; ties by bucket id so the choice is deterministic.
    candidates.sort((a, b) => (df[b] as number) - (df[a] as number) || a - b);
    candidates = candidates.slice(0, Math.max(0, Math.floor(maxFeatures))).sort((a, b) => a - b);
  }
  const buckets = Uint32Array.from(candidates);
  const idf = new Float32Array(buckets.length);
  const n = texts.length;
  for (let r = 0; r < buckets.length; r++) {
    // sklearn's smoothed IDF: never zero, so a feature present everywhere still counts a little.
    idf[r] = featurizer.config.weighting === "tfidf" ? Math.log((1 + n) / (1 + (df[buckets[r] as number] as number))) + 1 : 1;
  }
  return createFeatureSpace({ featurizer: featurizer.config, buckets, idf });
}

export interface FeatureSpaceParts {
  featurizer: FeaturizerConfigInput;
  buckets: Uint32Array;
  idf: Float32Array;
}

/** Rebuilds a space from its stored parts (model files). */
export function createFeatureSpace(parts: FeatureSpaceParts): FeatureSpace {
  const featurizer = createFeaturizer(parts.featurizer);
  const { buckets, idf } = parts;
  if (buckets.length !== idf.length) throw new FrugalError("model_file_invalid", `feature space: ${buckets.length} buckets but ${idf.length} idf values`);
  const rowOf = new Int32Array(featurizer.dimension).fill(-1);
  for (let r = 0; r < buckets.length; r++) {
    const bucket = buckets[r] as number;
    if (bucket >= featurizer.dimension || (r > 0 && bucket <= (buckets[r - 1] as number))) {
      throw new FrugalError("model_file_invalid", `feature space: bucket list is not ascending within 2^${featurizer.config.hashBits}`);
    }
    rowOf[bucket] = r;
  }
  const size = buckets.length;
  const groupWeight = [featurizer.config.wordWeight, featurizer.config.charWeight];
  // Scratch, reused across calls: term counts per group, the merged vector, and which rows are set.
  const tf = new Float32Array(size);
  const acc = new Float64Array(size);
  const inAcc = new Uint8Array(size);
  let groupRows = new Int32Array(512);
  let accRows = new Int32Array(512);
  const shared = createSparseVector(512);

  const transform = (text: string, out: SparseVector = shared): SparseVector => {
    const hashed = featurizer.hash(text);
    if (groupRows.length < hashed.count) groupRows = new Int32Array(hashed.count * 2);
    if (accRows.length < hashed.count) accRows = new Int32Array(hashed.count * 2);
    let accCount = 0;
    for (const group of [GROUP_WORD, GROUP_CHAR]) {
      const weight = groupWeight[group] as number;
      if (weight === 0) continue;
      let count = 0;
      for (let i = 0; i < hashed.count; i++) {
        if (hashed.groups[i] !== group) continue;
        const row = rowOf[hashed.buckets[i] as number] as number;
        if (row < 0) continue;
        if (tf[row] === 0) groupRows[count++] = row;
        tf[row] = (tf[row] as number) + 1;
      }
      let norm = 0;
      for (let k = 0; k < count; k++) {
        const row = groupRows[k] as number;
        const count = tf[row] as number;
        const w = count === 1 ? (idf[row] as number) : (1 + Math.log(count)) * (idf[row] as number);
        tf[row] = w;
        norm += w * w;
      }
      const scale = norm > 0 ? weight / Math.sqrt(norm) : 0;
      for (let k = 0; k < count; k++) {
        const row = groupRows[k] as number;
        if (inAcc[row] === 0) {
          inAcc[row] = 1;
          accRows[accCount++] = row;
        }
        acc[row] = (acc[row] as number) + (tf[row] as number) * scale;
        tf[row] = 0;
      }
    }
    let norm = 0;
    for (let k = 0; k < accCount; k++) norm += (acc[accRows[k] as number] as number) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    ensureSparseCapacity(out, accCount);
    for (let k = 0; k < accCount; k++) {
      const row = accRows[k] as number;
      out.indices[k] = row;
      out.values[k] = (acc[row] as number) * scale;
      acc[row] = 0;
      inAcc[row] = 0;
    }
    out.nnz = accCount;
    return out;
  };

  return {
    featurizer,
    size,
    buckets,
    idf,
    transform,
    transformAll(texts, onProgress) {
      const builder = new CsrBuilder(size);
      texts.forEach((text, i) => {
        builder.push(transform(text));
        if (onProgress !== undefined && (i + 1) % 500 === 0) onProgress(i + 1);
      });
      onProgress?.(texts.length);
      return builder.build();
    },
  };
}
