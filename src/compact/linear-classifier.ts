/**
 * The serving side of the compact classifier: featurize → the model's layers over the sparse vector (one linear layer, or a
 * ReLU hidden layer then the output layer; int8 weights, or float for the comparison model) → temperature-scaled softmax.
 * One instance owns its scratch buffers, so `predict` allocates only its small result object; the PoC runner and the gateway
 * call it per request and need microseconds, not milliseconds. (The name predates the hidden layer: the output layer is
 * still linear in what feeds it.)
 */
import type { ClassifierPrediction, CompactClassifier } from "./types.ts";
import type { FeatureSpace } from "./feature-space.ts";
import type { ClassifierMeta } from "./classifier-meta.ts";
import { createNetworkScorer, type DenseLayer } from "./network-scorer.ts";

export interface LinearClassifierParts {
  labels: readonly string[];
  space: FeatureSpace;
  /** Features → [hidden units →] classes. All int8 (the served model) or all float32 (the comparison model). */
  layers: DenseLayer[];
  temperature: number;
  threshold: number;
  meta: ClassifierMeta;
}

export interface LinearClassifier extends CompactClassifier {
  readonly temperature: number;
  readonly weightsDtype: "int8" | "float32";
  /** Units of the hidden layer; 0 for a linear model. */
  readonly hiddenUnits: number;
  /** Where the int8 dot products run: WebAssembly SIMD, or JavaScript when the runtime has no WebAssembly. */
  readonly backend: "wasm-simd" | "js";
  readonly meta: ClassifierMeta;
  readonly space: FeatureSpace;
  /** Raw logits (before temperature) over `labels`, written into `out`. */
  logits(text: string, out?: Float64Array): Float64Array;
  /** Calibrated probabilities over `labels`, written into `out`. */
  probabilities(text: string, out?: Float64Array): Float64Array;
}

export function createLinearClassifier(parts: LinearClassifierParts): LinearClassifier {
  const { labels, space, layers, temperature } = parts;
  const k = labels.length;
  if (k < 2) throw new Error("a classifier needs at least two labels");
  const first = layers[0];
  const last = layers.at(-1);
  if (first === undefined || last === undefined || first.numInputs !== space.size || last.numOutputs !== k) {
    throw new Error("classifier layers do not match its labels and feature space");
  }
  const isInt8 = layers.every((l) => l.weights instanceof Int8Array);
  if (!isInt8 && !layers.every((l) => l.weights instanceof Float32Array)) throw new Error("classifier layers mix int8 and float32 weights");
  const network = createNetworkScorer(layers);
  if (!(temperature > 0)) throw new Error("temperature must be positive");
  const scratch = new Float64Array(k);
  const inverseT = 1 / temperature;

  const computeLogits = (text: string, out: Float64Array): Float64Array => {
    const { indices, values, nnz } = space.transform(text);
    return network.logits(indices, values, nnz, out);
  };

  // The top class and its probability; the full distribution only when `out` is given (predict needs just the top one).
  const softmaxInto = (logits: Float64Array, out: Float64Array | null): { index: number; probability: number } => {
    let index = 0;
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      if ((logits[c] as number) > max) {
        max = logits[c] as number;
        index = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(((logits[c] as number) - max) * inverseT);
      if (out !== null) out[c] = e;
      sum += e;
    }
    if (out !== null) for (let c = 0; c < k; c++) out[c] = (out[c] as number) / sum;
    return { index, probability: 1 / sum };
  };

  return {
    kind: "classify",
    labels,
    threshold: parts.threshold,
    temperature,
    weightsDtype: isInt8 ? "int8" : "float32",
    hiddenUnits: layers.length > 1 ? first.numOutputs : 0,
    backend: network.backend,
    meta: parts.meta,
    space,
    logits(text, out = new Float64Array(k)) {
      return computeLogits(text, out);
    },
    probabilities(text, out = new Float64Array(k)) {
      softmaxInto(computeLogits(text, scratch), out);
      return out;
    },
    predict(text): ClassifierPrediction {
      const { index, probability } = softmaxInto(computeLogits(text, scratch), null);
      return { label: labels[index] as string, confidence: probability };
    },
  };
}
