/**
 * Logits of an int8 linear model for one sparse input: bias[c] + scale[c] · Σ x · q[row, c]. The sum runs in WebAssembly
 * SIMD when the runtime has it (wasm-module.ts), otherwise in JavaScript with the same float32 rounding at every step, so
 * both backends give identical logits. Training calibrates with this same scorer, so the confidences the threshold was
 * certified on are bit for bit the ones served.
 */
import { align16, compileKernels, PAGE, wasmApi, type SparseDot, type WasmApi } from "./wasm-module.ts";

export interface Int8ScorerModel {
  numFeatures: number;
  numClasses: number;
  /** Row-major numFeatures × numClasses. */
  weights: Int8Array;
  scales: Float32Array;
  bias: Float32Array;
}

export interface Int8Scorer {
  readonly backend: "wasm-simd" | "js";
  /** Writes the k logits of the input's first `nnz` (row, value) pairs into `out`. */
  logits(indices: Int32Array, values: Float32Array, nnz: number, out: Float64Array): Float64Array;
}


function wasmScorer(model: Int8ScorerModel, api: WasmApi, module: object): Int8Scorer {
  const { numFeatures: rows, numClasses: k, bias, scales } = model;
  const kPad = align16(k);
  const weightsBytes = align16(rows * kPad);
  // Layout: padded weights | input rows (int32) | input values (float32) | output (float32). The input area grows (rarely)
  // when a text has more non-zeros than ever before; offsets are plain numbers so a call allocates nothing.
  let capacity = 1024;
  let valuesAt = 0;
  let outAt = 0;
  const place = (): number => {
    valuesAt = weightsBytes + capacity * 4;
    outAt = weightsBytes + capacity * 8;
    return outAt + kPad * 4;
  };
  const memory = new api.Memory({ initial: Math.ceil(place() / PAGE) });
  const instance = new api.Instance(module, { env: { memory } });
  const dot = instance.exports.dot_i8 as SparseDot;
  // Weight rows padded to a multiple of 16 classes (zeros), the kernel's step.
  const padded = new Int8Array(memory.buffer, 0, rows * kPad);
  for (let r = 0; r < rows; r++) padded.set(model.weights.subarray(r * k, (r + 1) * k), r * kPad);
  let inRows = new Int32Array(0);
  let inValues = new Float32Array(0);
  let sums = new Float32Array(0);
  const remap = (): void => {
    inRows = new Int32Array(memory.buffer, weightsBytes, capacity);
    inValues = new Float32Array(memory.buffer, valuesAt, capacity);
    sums = new Float32Array(memory.buffer, outAt, kPad);
  };
  remap();
  return {
    backend: "wasm-simd",
    logits(indices, values, nnz, out) {
      if (nnz > capacity) {
        capacity = Math.max(nnz, capacity * 2);
        const missing = place() - memory.buffer.byteLength;
        if (missing > 0) memory.grow(Math.ceil(missing / PAGE));
        remap();
      }
      for (let p = 0; p < nnz; p++) {
        inRows[p] = indices[p] as number;
        inValues[p] = values[p] as number;
      }
      dot(0, kPad, weightsBytes, valuesAt, nnz, outAt);
      for (let c = 0; c < k; c++) out[c] = (bias[c] as number) + (scales[c] as number) * (sums[c] as number);
      return out;
    },
  };
}

function jsScorer(model: Int8ScorerModel): Int8Scorer {
  const k = model.numClasses;
  const sums = new Float32Array(k);
  const { weights } = model;
  return {
    backend: "js",
    logits(indices, values, nnz, out) {
      sums.fill(0);
      for (let p = 0; p < nnz; p++) {
        const x = values[p] as number;
        const base = (indices[p] as number) * k;
        // fround of the product, then a float32 store of the sum: the same two roundings as f32x4.mul and f32x4.add.
        for (let c = 0; c < k; c++) sums[c] = (sums[c] as number) + Math.fround(x * (weights[base + c] as number));
      }
      for (let c = 0; c < k; c++) out[c] = (model.bias[c] as number) + (model.scales[c] as number) * (sums[c] as number);
      return out;
    },
  };
}

export function createInt8Scorer(model: Int8ScorerModel, options: { backend?: "auto" | "js" } = {}): Int8Scorer {
  if (options.backend !== "js") {
    // A few hundred bytes: compiling per scorer costs well under a millisecond and keeps no module-level state.
    const compiled = compileKernels();
    const api = wasmApi();
    if (compiled !== null && api !== undefined) return wasmScorer(model, api, compiled);
  }
  return jsScorer(model);
}
