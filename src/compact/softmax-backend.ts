/**
 * Where the training loop's arithmetic runs: the weights, the AdaGrad accumulators and one example's scratch live in one
 * WebAssembly memory, and the two hot loops (scores of an example, the per-weight AdaGrad update) are SIMD kernels
 * (wasm-module.ts). The trainer (softmax-regression.ts) keeps the control flow — shuffling, softmax, gradient skipping, decay,
 * early stopping — and talks to the buffers through typed-array views. A JavaScript backend with the same interface serves
 * runtimes without WebAssembly and the row-wise optimizer.
 *
 * Rows are `stride` floats apart: the class count rounded up to 16 for the SIMD kernels (padding columns stay zero).
 */
import { align16, compileKernels, PAGE, wasmApi, type AdagradStep, type SparseDot } from "./wasm-module.ts";
import { jsAdagrad } from "./kernels.ts";

export interface SoftmaxBackend {
  readonly kind: "wasm-simd" | "js";
  readonly stride: number;
  /** numFeatures × stride. */
  readonly weights: Float32Array;
  /** One example's non-zeros (capacity: the largest example). */
  readonly inRows: Int32Array;
  readonly inValues: Float32Array;
  /** Logit gradient for `update` (stride long; zero = skip that class). */
  readonly grad: Float32Array;
  /** Scores written by `forward` (stride long). */
  readonly out: Float32Array;
  /** out[c] = Σ_q inValues[q] · W[inRows[q], c] over the first `nnz` inputs. */
  forward(nnz: number): void;
  /** Per-weight AdaGrad: g = x · grad[c]; G += g²; W −= lr · g / √G, for the first `nnz` inputs. */
  update(nnz: number, lr: number): void;
  /** The weights without padding: numFeatures × numClasses. */
  compact(): Float32Array;
}

export interface SoftmaxBackendOptions {
  numFeatures: number;
  numClasses: number;
  maxNnz: number;
  initialAccumulator: number;
  /** "js" forces the JavaScript backend (row-wise optimizer, tests). */
  backend?: "auto" | "js";
  /** Whether per-weight accumulators are needed (false for the row-wise optimizer). */
  accumulators?: boolean;
}


function compactRows(weights: Float32Array, rows: number, stride: number, k: number): Float32Array {
  if (stride === k) return weights.slice(0, rows * k);
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) out.set(weights.subarray(r * stride, r * stride + k), r * k);
  return out;
}

function wasmBackend(options: SoftmaxBackendOptions, module: object): SoftmaxBackend | undefined {
  const api = wasmApi();
  if (api === undefined) return undefined;
  const { numFeatures: d, numClasses: k } = options;
  const stride = align16(k);
  const maxNnz = Math.max(1, options.maxNnz);
  const weightBytes = d * stride * 4;
  const layout = { weights: 0, acc: weightBytes, rows: 2 * weightBytes, values: 2 * weightBytes + maxNnz * 4, grad: 0, out: 0 };
  layout.grad = align16(layout.values + maxNnz * 4);
  layout.out = layout.grad + stride * 4;
  const memory = new api.Memory({ initial: Math.ceil((layout.out + stride * 4) / PAGE) });
  const exports = new api.Instance(module, { env: { memory } }).exports;
  const dot = exports.dot_f32 as SparseDot;
  const step = exports.adagrad_f32 as AdagradStep;
  const weights = new Float32Array(memory.buffer, layout.weights, d * stride);
  new Float32Array(memory.buffer, layout.acc, d * stride).fill(options.initialAccumulator);
  return {
    kind: "wasm-simd",
    stride,
    weights,
    inRows: new Int32Array(memory.buffer, layout.rows, maxNnz),
    inValues: new Float32Array(memory.buffer, layout.values, maxNnz),
    grad: new Float32Array(memory.buffer, layout.grad, stride),
    out: new Float32Array(memory.buffer, layout.out, stride),
    forward: (nnz) => dot(layout.weights, stride, layout.rows, layout.values, nnz, layout.out),
    update: (nnz, lr) => step(layout.weights, layout.acc, stride, layout.rows, layout.values, nnz, layout.grad, lr),
    compact: () => compactRows(weights, d, stride, k),
  };
}

function jsBackend(options: SoftmaxBackendOptions): SoftmaxBackend {
  const { numFeatures: d, numClasses: k } = options;
  const weights = new Float32Array(d * k);
  const acc = options.accumulators === false ? new Float32Array(0) : new Float32Array(d * k).fill(options.initialAccumulator);
  const inRows = new Int32Array(Math.max(1, options.maxNnz));
  const inValues = new Float32Array(Math.max(1, options.maxNnz));
  const grad = new Float32Array(k);
  const out = new Float32Array(k);
  const sums = new Float64Array(k);
  return {
    kind: "js",
    stride: k,
    weights,
    inRows,
    inValues,
    grad,
    out,
    forward(nnz) {
      sums.fill(0);
      for (let q = 0; q < nnz; q++) {
        const x = inValues[q] as number;
        const base = (inRows[q] as number) * k;
        for (let c = 0; c < k; c++) sums[c] = (sums[c] as number) + x * (weights[base + c] as number);
      }
      out.set(sums);
    },
    update: (nnz, lr) => jsAdagrad(weights, acc, k, inRows, inValues, nnz, grad, lr),
    compact: () => compactRows(weights, d, k, k),
  };
}

export function createSoftmaxBackend(options: SoftmaxBackendOptions): SoftmaxBackend {
  if (options.backend !== "js" && options.accumulators !== false) {
    const module = compileKernels();
    const backend = module === null ? undefined : wasmBackend(options, module);
    if (backend !== undefined) return backend;
  }
  return jsBackend(options);
}
