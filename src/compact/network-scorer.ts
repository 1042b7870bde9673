/**
 * Scoring a stack of dense layers over one sparse input: layer 1 reads the text's TF-IDF non-zeros, each later layer reads
 * the previous layer's ReLU outputs — as a sparse input too (its active units), so a hidden layer costs time in proportion
 * to the units that fire. A linear classifier is the one-layer case.
 *
 * int8 layers run in the WebAssembly SIMD scorer (int8-scorer.ts; JavaScript fallback bit for bit); float32 layers (the
 * comparison model) in JavaScript. Serving (linear-classifier.ts) and training's calibration (train-classifier.ts) both score
 * through this module, so the confidences a threshold was certified on are the ones served, bit for bit.
 */
import type { CsrMatrix } from "./sparse.ts";
import { addScaledRowF32 } from "./kernels.ts";
import { createInt8Scorer } from "./int8-scorer.ts";

export interface DenseLayer {
  numInputs: number;
  numOutputs: number;
  /** Row-major numInputs × numOutputs: int8 with one scale per output, or float32. */
  weights: Int8Array | Float32Array;
  scales?: Float32Array;
  bias: Float32Array;
}

export interface NetworkScorer {
  /** Where the int8 products run (float32 layers always run in JavaScript). */
  readonly backend: "wasm-simd" | "js";
  readonly numOutputs: number;
  /** Writes the last layer's outputs (logits) for the input's first `nnz` (index, value) pairs into `out`. */
  logits(indices: Int32Array, values: Float32Array, nnz: number, out: Float64Array): Float64Array;
}

type LayerScorer = (indices: Int32Array, values: Float32Array, nnz: number, out: Float64Array) => Float64Array;

function layerScorer(layer: DenseLayer, backend: "auto" | "js"): { score: LayerScorer; backend: "wasm-simd" | "js" } {
  const { numInputs, numOutputs: k, weights, bias } = layer;
  if (weights.length !== numInputs * k || bias.length !== k) throw new Error(`layer weights do not match its ${numInputs} inputs and ${k} outputs`);
  if (weights instanceof Int8Array) {
    if (layer.scales === undefined || layer.scales.length !== k) throw new Error("int8 weights need one scale per output");
    const scorer = createInt8Scorer({ numFeatures: numInputs, numClasses: k, weights, scales: layer.scales, bias }, { backend });
    return { score: (i, v, n, out) => scorer.logits(i, v, n, out), backend: scorer.backend };
  }
  return {
    backend: "js",
    score(indices, values, nnz, out) {
      out.fill(0);
      for (let p = 0; p < nnz; p++) addScaledRowF32(out, weights, (indices[p] as number) * k, k, values[p] as number);
      for (let c = 0; c < k; c++) out[c] = (bias[c] as number) + (out[c] as number);
      return out;
    },
  };
}

export function createNetworkScorer(layers: readonly DenseLayer[], options: { backend?: "auto" | "js" } = {}): NetworkScorer {
  const last = layers.at(-1);
  if (last === undefined) throw new Error("a network needs at least one layer");
  for (let l = 1; l < layers.length; l++) {
    if ((layers[l] as DenseLayer).numInputs !== (layers[l - 1] as DenseLayer).numOutputs) throw new Error(`layer ${l + 1} does not take layer ${l}'s outputs`);
  }
  const scorers = layers.map((layer) => layerScorer(layer, options.backend ?? "auto"));
  const int8 = scorers.find((s, l) => layers[l]?.weights instanceof Int8Array);
  // Scratch per hidden layer: its outputs, then its active units as the next layer's sparse input.
  const hidden = layers.slice(0, -1).map((layer) => ({
    out: new Float64Array(layer.numOutputs),
    indices: new Int32Array(layer.numOutputs),
    values: new Float32Array(layer.numOutputs),
  }));
  return {
    backend: int8?.backend ?? "js",
    numOutputs: last.numOutputs,
    logits(indices, values, nnz, out) {
      let inIndices = indices;
      let inValues = values;
      let inCount = nnz;
      for (let l = 0; l < hidden.length; l++) {
        const h = hidden[l] as (typeof hidden)[number];
        (scorers[l] as (typeof scorers)[number]).score(inIndices, inValues, inCount, h.out);
        let active = 0;
        for (let j = 0; j < h.out.length; j++) {
          const a = h.out[j] as number;
          if (a <= 0) continue; // ReLU: units that do not fire cost nothing in the next layer
          h.indices[active] = j;
          h.values[active] = a;
          active++;
        }
        inIndices = h.indices;
        inValues = h.values;
        inCount = active;
      }
      return (scorers[scorers.length - 1] as (typeof scorers)[number]).score(inIndices, inValues, inCount, out);
    },
  };
}

/** Logits of every row of `x` (rows × outputs, row-major), through `scorer`. */
export function networkLogits(scorer: Pick<NetworkScorer, "numOutputs" | "logits">, x: CsrMatrix): Float64Array {
  const k = scorer.numOutputs;
  const out = new Float64Array(x.rows * k);
  const row = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    const start = x.indptr[i] as number;
    const end = x.indptr[i + 1] as number;
    scorer.logits(x.indices.subarray(start, end), x.values.subarray(start, end), end - start, row);
    out.set(row, i * k);
  }
  return out;
}
