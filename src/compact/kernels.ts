/**
 * The inner loops every linear model here spends its time in: out[c] += x · W[base + c] over the classes of one feature row.
 * Unrolled by four (V8 does not vectorize; unrolling cuts loop overhead and bounds checks, ~15-20% faster in our
 * measurements). The int8 serving loop lives in WebAssembly instead (wasm-module.ts, int8-scorer.ts).
 */

export function addScaledRowF32(out: Float64Array, weights: Float32Array, base: number, k: number, x: number): void {
  let c = 0;
  for (; c + 3 < k; c += 4) {
    out[c] = (out[c] as number) + x * (weights[base + c] as number);
    out[c + 1] = (out[c + 1] as number) + x * (weights[base + c + 1] as number);
    out[c + 2] = (out[c + 2] as number) + x * (weights[base + c + 2] as number);
    out[c + 3] = (out[c + 3] as number) + x * (weights[base + c + 3] as number);
  }
  for (; c < k; c++) out[c] = (out[c] as number) + x * (weights[base + c] as number);
}

