/**
 * Where the hidden-layer trainer's arithmetic runs (mlp-regression.ts). Both layers are "sparse rows × dense matrix" products
 * — layer 1 over an example's n-gram non-zeros, layer 2 over its active (non-zero after ReLU and dropout) hidden units — so
 * the two WebAssembly SIMD kernels of the linear trainer (wasm-module.ts) serve both: `dot_f32` for the forward passes and
 * `adagrad_f32` for the per-weight AdaGrad updates, with the hidden width or the padded class count as the row stride.
 * All matrices and the per-example scratch live in one WebAssembly memory; a JavaScript backend with the same interface
 * covers runtimes without WebAssembly.
 */
import { align16, compileKernels, PAGE, wasmApi, type AdagradStep, type SparseDot } from "./wasm-module.ts";
import { jsAdagrad } from "./kernels.ts";

export interface MlpBackend {
  readonly kind: "wasm-simd" | "js";
  /** numFeatures × hidden (hidden is a multiple of 16). */
  readonly w1: Float32Array;
  /** hidden × stride (the class count rounded up to 16; padding columns stay zero). */
  readonly w2: Float32Array;
  readonly stride: number;
  /** One example's non-zeros (capacity: the largest example). */
  readonly inRows: Int32Array;
  readonly inValues: Float32Array;
  /** Layer 1 output (hidden long), written by `forward1`. */
  readonly hidden: Float32Array;
  /** Active hidden units and their activations: the sparse input of layer 2. */
  readonly hRows: Int32Array;
  readonly hValues: Float32Array;
  /** Gradients for the updates: w.r.t. the hidden pre-activations (hidden long) and the logits (stride long). */
  readonly gradHidden: Float32Array;
  readonly gradOut: Float32Array;
  /** Layer 2 output (stride long), written by `forward2`. */
  readonly out: Float32Array;
  forward1(nnz: number): void;
  forward2(active: number): void;
  update1(nnz: number, lr: number): void;
  update2(active: number, lr: number): void;
}

export interface MlpBackendOptions {
  numFeatures: number;
  numHidden: number;
  numClasses: number;
  maxNnz: number;
  initialAccumulator: number;
  backend?: "auto" | "js";
}


function wasmBackend(options: MlpBackendOptions, module: object): MlpBackend | undefined {
  const api = wasmApi();
  if (api === undefined) return undefined;
  const { numFeatures: d, numHidden: h } = options;
  const stride = align16(options.numClasses);
  const maxNnz = Math.max(1, options.maxNnz);
  // Byte offsets, each 16-aligned: the kernels use aligned-size steps (their loads carry no alignment promise).
  let at = 0;
  const take = (bytes: number): number => {
    const start = at;
    at = align16(at + bytes);
    return start;
  };
  const w1 = take(d * h * 4);
  const a1 = take(d * h * 4);
  const w2 = take(h * stride * 4);
  const a2 = take(h * stride * 4);
  const rows = take(maxNnz * 4);
  const values = take(maxNnz * 4);
  const hidden = take(h * 4);
  const hRows = take(h * 4);
  const hValues = take(h * 4);
  const gradHidden = take(h * 4);
  const gradOut = take(stride * 4);
  const out = take(stride * 4);
  const memory = new api.Memory({ initial: Math.ceil(at / PAGE) });
  const exports = new api.Instance(module, { env: { memory } }).exports;
  const dot = exports.dot_f32 as SparseDot;
  const step = exports.adagrad_f32 as AdagradStep;
  const f32 = (offset: number, length: number): Float32Array => new Float32Array(memory.buffer, offset, length);
  f32(a1, d * h).fill(options.initialAccumulator);
  f32(a2, h * stride).fill(options.initialAccumulator);
  return {
    kind: "wasm-simd",
    w1: f32(w1, d * h),
    w2: f32(w2, h * stride),
    stride,
    inRows: new Int32Array(memory.buffer, rows, maxNnz),
    inValues: f32(values, maxNnz),
    hidden: f32(hidden, h),
    hRows: new Int32Array(memory.buffer, hRows, h),
    hValues: f32(hValues, h),
    gradHidden: f32(gradHidden, h),
    gradOut: f32(gradOut, stride),
    out: f32(out, stride),
    forward1: (nnz) => dot(w1, h, rows, values, nnz, hidden),
    forward2: (active) => dot(w2, stride, hRows, hValues, active, out),
    update1: (nnz, lr) => step(w1, a1, h, rows, values, nnz, gradHidden, lr),
    update2: (active, lr) => step(w2, a2, stride, hRows, hValues, active, gradOut, lr),
  };
}

/** out[0..width) = Σ_q values[q] · m[rows[q], 0..width), in float32 like the kernel. */
function jsDot(m: Float32Array, width: number, rows: Int32Array, values: Float32Array, n: number, out: Float32Array): void {
  out.fill(0);
  for (let q = 0; q < n; q++) {
    const x = values[q] as number;
    const base = (rows[q] as number) * width;
    for (let c = 0; c < width; c++) out[c] = (out[c] as number) + Math.fround(x * (m[base + c] as number));
  }
}


function jsBackend(options: MlpBackendOptions): MlpBackend {
  const { numFeatures: d, numHidden: h } = options;
  const stride = align16(options.numClasses);
  const maxNnz = Math.max(1, options.maxNnz);
  const w1 = new Float32Array(d * h);
  const a1 = new Float32Array(d * h).fill(options.initialAccumulator);
  const w2 = new Float32Array(h * stride);
  const a2 = new Float32Array(h * stride).fill(options.initialAccumulator);
  const b = {
    inRows: new Int32Array(maxNnz),
    inValues: new Float32Array(maxNnz),
    hidden: new Float32Array(h),
    hRows: new Int32Array(h),
    hValues: new Float32Array(h),
    gradHidden: new Float32Array(h),
    gradOut: new Float32Array(stride),
    out: new Float32Array(stride),
  };
  return {
    kind: "js",
    w1,
    w2,
    stride,
    ...b,
    forward1: (nnz) => jsDot(w1, h, b.inRows, b.inValues, nnz, b.hidden),
    forward2: (active) => jsDot(w2, stride, b.hRows, b.hValues, active, b.out),
    update1: (nnz, lr) => jsAdagrad(w1, a1, h, b.inRows, b.inValues, nnz, b.gradHidden, lr),
    update2: (active, lr) => jsAdagrad(w2, a2, stride, b.hRows, b.hValues, active, b.gradOut, lr),
  };
}

export function createMlpBackend(options: MlpBackendOptions): MlpBackend {
  if (options.numHidden % 16 !== 0) throw new Error(`hidden units must be a multiple of 16 (got ${options.numHidden})`);
  if (options.backend !== "js") {
    const module = compileKernels();
    const backend = module === null ? undefined : wasmBackend(options, module);
    if (backend !== undefined) return backend;
  }
  return jsBackend(options);
}
