/**
 * WebAssembly SIMD kernels for the hot loops of the compact classifier, assembled here from opcodes (a few hundred bytes),
 * because V8 does not vectorize JavaScript: the sparse dot product out[0..kPad) = Σ x · W[row, 0..kPad) over an input's
 * non-zeros, 16 classes at a time, for int8 weights (serving) and float32 weights (training), and the per-weight AdaGrad
 * update of training.
 *
 * Encodings follow the WebAssembly 2.0 binary format (SIMD opcodes are 0xFD + LEB128). WebAssembly arithmetic is fully
 * deterministic (no fused multiply-add here), so results are the same on every machine, and `int8-scorer.ts` reproduces
 * them bit for bit in JavaScript when WebAssembly is unavailable.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Instructions used by the kernel.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...uleb(v)]; // small non-negative constants only (LEB128 of the signed value)
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const I32_LOAD = [0x28, 2, 0];
const F32_LOAD = [0x2a, 2, 0];
const I32_ADD = [0x6a];
const I32_MUL = [0x6c];
const I32_SHL = [0x74];
const I32_GE_U = [0x4f];
const v128Store = (offset: number) => simd(0x0b, 0, ...uleb(offset));
const TEE = (i: number) => [0x22, ...uleb(i)];
const F32X4_SPLAT = simd(0x13);
const F32X4_SQRT = simd(0xe3);
const F32X4_SUB = simd(0xe5);
const F32X4_DIV = simd(0xe7);
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const F32X4_CONVERT_I32X4_S = simd(0xfa);
const I32X4_EXTEND_LOW_I16X8_S = simd(0xa7);
const I32X4_EXTEND_HIGH_I16X8_S = simd(0xa8);
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];

// Sparse dot products. Parameters: 0 weights base, 1 kPad, 2 indices ptr, 3 values ptr, 4 nnz, 5 out ptr.
// Locals: 6 c (class offset), 7 p (byte offset into indices/values), 8 end (nnz · 4), 9 row ptr (i32); 10-13 accumulators,
// 14 x splat (v128).
// Classes outer, rows inner: four f32x4 accumulators stay in locals for a 16-class chunk while every non-zero is added, so
// the output is stored once per chunk instead of loaded and stored once per (row, chunk). The input's rows stay in L1
// across chunks (a few hundred rows × kPad weights).
function sparseDotBody(weights: "i8" | "f32"): number[] {
  // int8: v128.load8x8_s (8 int8 → i16x8), each half → i32x4 → f32x4; float32: four plain v128 loads.
  const term = (j: number): number[] =>
    weights === "i8"
      ? [...get(9), ...simd(0x01, 0, ...uleb(j < 2 ? 0 : 8)), ...(j % 2 === 0 ? I32X4_EXTEND_LOW_I16X8_S : I32X4_EXTEND_HIGH_I16X8_S), ...F32X4_CONVERT_I32X4_S]
      : [...get(9), ...simd(0x00, 0, ...uleb(16 * j))];
  const lanes = (j: number): number[] => [...term(j), ...get(14), ...F32X4_MUL, ...get(10 + j), ...F32X4_ADD, ...set(10 + j)];
  const zero = (acc: number): number[] => [...simd(0x0c, ...new Array<number>(16).fill(0)), ...set(acc)];
  const store = (j: number): number[] => [...get(5), ...get(6), ...i32c(2), ...I32_SHL, ...I32_ADD, ...get(10 + j), ...v128Store(16 * j)];
  // row ptr = weights + (indices[p] · kPad + c) · bytes per weight
  const rowPtr = [...get(2), ...get(7), ...I32_ADD, ...I32_LOAD, ...get(1), ...I32_MUL, ...get(6), ...I32_ADD, ...(weights === "f32" ? [...i32c(2), ...I32_SHL] : []), ...get(0), ...I32_ADD, ...set(9)];
  const code = [
    ...get(4), ...i32c(2), ...I32_SHL, ...set(8),
    ...BLOCK, ...LOOP,
    ...get(6), ...get(1), ...I32_GE_U, ...brIf(1),
    ...zero(10), ...zero(11), ...zero(12), ...zero(13),
    ...i32c(0), ...set(7),
    ...BLOCK, ...LOOP,
    ...get(7), ...get(8), ...I32_GE_U, ...brIf(1),
    ...rowPtr,
    ...get(3), ...get(7), ...I32_ADD, ...F32_LOAD, ...F32X4_SPLAT, ...set(14),
    ...lanes(0), ...lanes(1), ...lanes(2), ...lanes(3),
    ...get(7), ...i32c(4), ...I32_ADD, ...set(7),
    ...br(0), ...END, ...END,
    ...store(0), ...store(1), ...store(2), ...store(3),
    ...get(6), ...i32c(16), ...I32_ADD, ...set(6),
    ...br(0), ...END, ...END,
    ...END,
  ];
  const body = [...vec([[4, I32], [5, V128]]), ...code];
  return [...uleb(body.length), ...body];
}

// Per-weight AdaGrad step for one example. Parameters: 0 W, 1 G (accumulators), 2 kPad, 3 indices ptr, 4 values ptr, 5 nnz,
// 6 grad ptr (kPad float32: p − onehot(y), zero where skipped), 7 lr (f32). For each non-zero (row, x) and class c:
// g = x · grad[c]; G += g²; W −= lr · g / √G. Locals: 8 p, 9 end, 10 c (bytes), 11 W row, 12 G row, 13 row bytes (i32);
// 14 x splat, 15 lr splat, 16 g, 17 G value (v128).
function adagradBody(): number[] {
  const at = (base: number) => [...get(base), ...get(10), ...I32_ADD];
  const code = [
    ...get(2), ...i32c(2), ...I32_SHL, ...set(13),
    ...get(5), ...i32c(2), ...I32_SHL, ...set(9),
    ...get(7), ...F32X4_SPLAT, ...set(15),
    ...BLOCK, ...LOOP,
    ...get(8), ...get(9), ...I32_GE_U, ...brIf(1),
    ...get(3), ...get(8), ...I32_ADD, ...I32_LOAD, ...get(13), ...I32_MUL, ...TEE(12),
    ...get(0), ...I32_ADD, ...set(11),
    ...get(12), ...get(1), ...I32_ADD, ...set(12),
    ...get(4), ...get(8), ...I32_ADD, ...F32_LOAD, ...F32X4_SPLAT, ...set(14),
    ...i32c(0), ...set(10),
    ...BLOCK, ...LOOP,
    ...get(10), ...get(13), ...I32_GE_U, ...brIf(1),
    ...get(14), ...at(6), ...simd(0x00, 0, 0), ...F32X4_MUL, ...set(16),
    ...at(12), ...at(12), ...simd(0x00, 0, 0), ...get(16), ...get(16), ...F32X4_MUL, ...F32X4_ADD, ...TEE(17), ...v128Store(0),
    ...at(11), ...at(11), ...simd(0x00, 0, 0), ...get(15), ...get(16), ...F32X4_MUL, ...get(17), ...F32X4_SQRT, ...F32X4_DIV, ...F32X4_SUB, ...v128Store(0),
    ...get(10), ...i32c(16), ...I32_ADD, ...set(10),
    ...br(0), ...END, ...END,
    ...get(8), ...i32c(4), ...I32_ADD, ...set(8),
    ...br(0), ...END, ...END,
    ...END,
  ];
  const body = [...vec([[6, I32], [4, V128]]), ...code];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: imports `env.memory`; exports `dot_i8`, `dot_f32` (same signature) and `adagrad_f32`. */
/** A WebAssembly memory page, bytes. */
export const PAGE = 65536;
/** Rounds up to a multiple of 16 (a SIMD lane group of 16 int8 or 4 float32 values): the kernels' row stride. */
export const align16 = (n: number): number => Math.ceil(n / 16) * 16;

export function kernelModule(): Uint8Array {
  const dotType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0];
  const adagradType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [F32]]), 0];
  const type = section(1, vec([dotType, adagradType]));
  const imports = section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]]));
  const functions = section(3, vec([[0], [0], [1]]));
  const exports = section(7, vec([[...name("dot_i8"), 0x00, 0], [...name("dot_f32"), 0x00, 1], [...name("adagrad_f32"), 0x00, 2]]));
  const code = section(10, vec([sparseDotBody("i8"), sparseDotBody("f32"), adagradBody()]));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...functions, ...exports, ...code]);
}

export type SparseDot = (weights: number, kPad: number, indices: number, values: number, nnz: number, out: number) => void;
export type AdagradStep = (weights: number, accumulators: number, kPad: number, indices: number, values: number, nnz: number, grad: number, lr: number) => void;

/** The slice of the WebAssembly JS API used here (the project's TypeScript lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** Compiles the kernels; null when this runtime has no WebAssembly SIMD. */
export function compileKernels(): object | null {
  const api = wasmApi();
  if (api === undefined) return null;
  try {
    const bytes = kernelModule();
    return api.validate(bytes) ? new api.Module(bytes) : null;
  } catch {
    return null;
  }
}
