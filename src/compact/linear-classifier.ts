/**
 * The serving side of the compact classifier: featurize → sparse dot product with int8 (or float) weights → temperature-
 * scaled softmax. One instance owns its scratch buffers, so `predict` allocates only its small result object; the PoC runner
 * and the gateway call it per request and need microseconds, not milliseconds.
 */
import type { ClassifierPrediction, CompactClassifier } from "./types.ts";
import type { FeatureSpace } from "./feature-space.ts";
import type { ClassifierMeta } from "./classifier-meta.ts";
import { addScaledRowF32 } from "./kernels.ts";
import { createInt8Scorer } from "./int8-scorer.ts";

export interface LinearClassifierParts {
  labels: readonly string[];
  space: FeatureSpace;
  /** Row-major features × classes: int8 with per-class `scales`, or float32 (the comparison model). */
  weights: Int8Array | Float32Array;
  scales?: Float32Array;
  bias: Float32Array;
  temperature: number;
  threshold: number;
  meta: ClassifierMeta;
}

export interface LinearClassifier extends CompactClassifier {
  readonly temperature: number;
  readonly weightsDtype: "int8" | "float32";
  /** Where the int8 dot product runs: WebAssembly SIMD, or JavaScript when the runtime has no WebAssembly. */
  readonly backend: "wasm-simd" | "js";
  readonly meta: ClassifierMeta;
  readonly space: FeatureSpace;
  /** Raw logits (before temperature) over `labels`, written into `out`. */
  logits(text: string, out?: Float64Array): Float64Array;
  /** Calibrated probabilities over `labels`, written into `out`. */
  probabilities(text: string, out?: Float64Array): Float64Array;
}

export function createLinearClassifier(parts: LinearClassifierParts): LinearClassifier {
  const { labels, space, weights, bias, temperature } = parts;
  const k = labels.length;
  if (k < 2) throw new Error("a classifier needs at least two labels");
  if (weights.length !== space.size * k || bias.length !== k) throw new Error("classifier weights do not match its labels and feature space");
  const isInt8 = weights instanceof Int8Array;
  const floatWeights = weights instanceof Float32Array ? weights : undefined;
  if (isInt8 && (parts.scales === undefined || parts.scales.length !== k)) throw new Error("int8 weights need one scale per class");
  const int8Scorer =
    weights instanceof Int8Array && parts.scales !== undefined
      ? createInt8Scorer({ numFeatures: space.size, numClasses: k, weights, scales: parts.scales, bias })
      : undefined;
  if (!(temperature > 0)) throw new Error("temperature must be positive");
  const scratch = new Float64Array(k);
  const probs = new Float64Array(k);
  const inverseT = 1 / temperature;

  const computeLogits = (text: string, out: Float64Array): Float64Array => {
    const { indices, values, nnz } = space.transform(text);
    if (int8Scorer !== undefined) return int8Scorer.logits(indices, values, nnz, out);
    out.fill(0);
    if (floatWeights !== undefined) {
      for (let p = 0; p < nnz; p++) addScaledRowF32(out, floatWeights, (indices[p] as number) * k, k, values[p] as number);
    }
    for (let c = 0; c < k; c++) out[c] = (bias[c] as number) + (out[c] as number);
    return out;
  };

  const softmaxInto = (logits: Float64Array, out: Float64Array): { index: number; probability: number } => {
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
      out[c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) out[c] = (out[c] as number) / sum;
    return { index, probability: 1 / sum };
  };

  return {
    kind: "classify",
    labels,
    threshold: parts.threshold,
    temperature,
    weightsDtype: isInt8 ? "int8" : "float32",
    backend: int8Scorer?.backend ?? "js",
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
      const { index, probability } = softmaxInto(computeLogits(text, scratch), probs);
      return { label: labels[index] as string, confidence: probability };
    },
  };
}
