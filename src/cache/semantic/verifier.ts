/**
 * The hit verifier: a compact pair model over `pairFeatures` that outputs P(the stored question asks the same thing as the
 * incoming one). It is the project's own softmax regression (two classes: logistic regression) or its one-hidden-layer
 * network, trained with AdaGrad and early stopping (src/compact) on dense pair-feature rows, served in float32 through the
 * same network scorer as the compact classifier.
 */
import { CsrBuilder, createSparseVector, type CsrMatrix } from "../../compact/sparse.ts";
import { trainSoftmaxRegression } from "../../compact/softmax-regression.ts";
import { trainMlp } from "../../compact/mlp-regression.ts";
import { modelLayers, type ClassifierWeights } from "../../compact/quantize.ts";
import { createNetworkScorer, type DenseLayer } from "../../compact/network-scorer.ts";
import { PAIR_FEATURES } from "./pair-features.ts";

export interface VerifierTrainingOptions {
  /** 0: logistic regression; otherwise hidden ReLU units (a multiple of 16). */
  hiddenUnits: number;
  seed: number;
  maxEpochs?: number;
}

/** Rows of `features` (n × PAIR_FEATURES, row-major) as a CSR matrix (zeros dropped). */
export function pairMatrix(features: Float32Array): CsrMatrix {
  const rows = features.length / PAIR_FEATURES;
  const builder = new CsrBuilder(PAIR_FEATURES);
  const row = createSparseVector(PAIR_FEATURES);
  for (let i = 0; i < rows; i++) {
    let nnz = 0;
    for (let f = 0; f < PAIR_FEATURES; f++) {
      const v = features[i * PAIR_FEATURES + f] as number;
      if (v === 0) continue;
      row.indices[nnz] = f;
      row.values[nnz] = v;
      nnz++;
    }
    row.nnz = nnz;
    builder.push(row);
  }
  return builder.build();
}

export function trainVerifier(
  train: { features: Float32Array; labels: Int32Array },
  valid: { features: Float32Array; labels: Int32Array },
  options: VerifierTrainingOptions,
): ClassifierWeights {
  const t = { x: pairMatrix(train.features), y: train.labels };
  const v = { x: pairMatrix(valid.features), y: valid.labels };
  const common = { numClasses: 2, seed: options.seed, maxEpochs: options.maxEpochs ?? 40, patience: 4 };
  if (options.hiddenUnits === 0) return trainSoftmaxRegression(t, v, { ...common, learningRate: 0.2 }).model;
  return trainMlp(t, v, { ...common, hiddenUnits: options.hiddenUnits, hiddenDropout: 0.1, initScale: 0.3, learningRate: 0.05 }).model;
}

export interface Verifier {
  readonly layers: DenseLayer[];
  /** P(same meaning) of one pair-feature row. */
  probability(features: Float32Array): number;
}

export function createVerifier(layers: DenseLayer[]): Verifier {
  const scorer = createNetworkScorer(layers, { backend: "js" });
  const indices = Int32Array.from({ length: PAIR_FEATURES }, (_, i) => i);
  const logits = new Float64Array(2);
  return {
    layers,
    probability(features) {
      scorer.logits(indices, features, PAIR_FEATURES, logits);
      return 1 / (1 + Math.exp((logits[0] as number) - (logits[1] as number)));
    },
  };
}

export function verifierFromWeights(weights: ClassifierWeights): Verifier {
  return createVerifier(modelLayers(weights, "float32"));
}
