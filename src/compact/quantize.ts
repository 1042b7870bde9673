/**
 * int8 quantization of a linear model, with one scale per class: w ≈ scale[c] · q[r, c], q ∈ [−127, 127]. A class's weights
 * share a range (they are compared against each other only through that class's logit), so a per-class scale loses less
 * than one global scale when some classes have much larger weights than others. The model file shrinks 4×; the logits move
 * by a bounded amount (at most scale/2 per unit of input L1 mass), which the agreement test and the eval check.
 */
import type { SoftmaxWeights } from "./softmax-regression.ts";
import type { MlpWeights } from "./mlp-regression.ts";
import type { CsrMatrix } from "./sparse.ts";
import { createInt8Scorer, type Int8ScorerModel } from "./int8-scorer.ts";
import { createNetworkScorer, networkLogits, type DenseLayer } from "./network-scorer.ts";

/** What a fold trains: a linear softmax model, or one with a ReLU hidden layer. */
export type ClassifierWeights = SoftmaxWeights | MlpWeights;

export function isMlp(model: ClassifierWeights): model is MlpWeights {
  return "w1" in model;
}

/** int8 weights with a scale per class: exactly what the serving scorer reads. */
export type Int8Weights = Int8ScorerModel;

export function quantizeInt8(model: SoftmaxWeights): Int8Weights {
  const { numFeatures: d, numClasses: k, weights } = model;
  const maxAbs = new Float64Array(k);
  for (let r = 0; r < d; r++) {
    const base = r * k;
    for (let c = 0; c < k; c++) {
      const a = Math.abs(weights[base + c] as number);
      if (a > (maxAbs[c] as number)) maxAbs[c] = a;
    }
  }
  const scales = new Float32Array(k);
  for (let c = 0; c < k; c++) scales[c] = (maxAbs[c] as number) > 0 ? (maxAbs[c] as number) / 127 : 1;
  const q = new Int8Array(d * k);
  for (let r = 0; r < d; r++) {
    const base = r * k;
    for (let c = 0; c < k; c++) {
      const v = Math.round((weights[base + c] as number) / (scales[c] as number));
      q[base + c] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
  return { numFeatures: d, numClasses: k, weights: q, scales, bias: model.bias.slice() };
}

/** The float model the int8 weights stand for (for comparisons and tests). */
export function dequantizeInt8(model: Int8Weights): SoftmaxWeights {
  const { numFeatures: d, numClasses: k } = model;
  const weights = new Float32Array(d * k);
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < k; c++) weights[r * k + c] = (model.weights[r * k + c] as number) * (model.scales[c] as number);
  }
  return { numFeatures: d, numClasses: k, weights, bias: model.bias.slice() };
}

/** Logits of every row of `x`, computed by the serving path's scorer (int8-scorer.ts): calibration sees what serving sees. */
export function int8Logits(model: Int8Weights, x: CsrMatrix): Float64Array {
  const scorer = createInt8Scorer(model);
  return networkLogits({ numOutputs: model.numClasses, logits: (indices, values, nnz, out) => scorer.logits(indices, values, nnz, out) }, x);
}

function int8Layer(numInputs: number, numOutputs: number, weights: Float32Array, bias: Float32Array): DenseLayer {
  const q = quantizeInt8({ numFeatures: numInputs, numClasses: numOutputs, weights, bias });
  return { numInputs, numOutputs, weights: q.weights, scales: q.scales, bias: q.bias };
}

/**
 * The model as the layers the serving path scores: float32 as trained, or int8 with one scale per output unit (per class in
 * the output layer, per hidden unit in the hidden layer: a unit's weights share a range, as a class's do).
 */
export function modelLayers(model: ClassifierWeights, dtype: "int8" | "float32"): DenseLayer[] {
  const layer = (numInputs: number, numOutputs: number, weights: Float32Array, bias: Float32Array): DenseLayer =>
    dtype === "int8" ? int8Layer(numInputs, numOutputs, weights, bias) : { numInputs, numOutputs, weights, bias };
  if (!isMlp(model)) return [layer(model.numFeatures, model.numClasses, model.weights, model.bias)];
  return [layer(model.numFeatures, model.numHidden, model.w1, model.b1), layer(model.numHidden, model.numClasses, model.w2, model.b2)];
}

/** Logits of every row of `x` as the served model of that dtype computes them. */
export function modelLogits(model: ClassifierWeights, x: CsrMatrix, dtype: "int8" | "float32"): Float64Array {
  return networkLogits(createNetworkScorer(modelLayers(model, dtype)), x);
}
