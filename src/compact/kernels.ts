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


/**
 * The shared middle of a softmax step: replaces the first `k` scores by exp(score − max) in place and returns their sum, so
 * p(c) = scores[c] / sum and the example's log-loss is ln(sum) − ln(scores[y]). Subtracting the max keeps exp finite.
 */
export function expShiftInPlace(scores: Float64Array, k: number): number {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if ((scores[c] as number) > max) max = scores[c] as number;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp((scores[c] as number) - max);
    scores[c] = e;
    sum += e;
  }
  return sum;
}

/** One AdaGrad step on a bias: `acc[at]` accumulates squared gradients, the step shrinks as they grow. */
export function adagradBiasStep(bias: Float32Array, acc: Float64Array, at: number, gradient: number, learningRate: number): void {
  const s = (acc[at] as number) + gradient * gradient;
  acc[at] = s;
  bias[at] = (bias[at] as number) - (learningRate * gradient) / Math.sqrt(s);
}

/**
 * Per-weight AdaGrad on the rows an example touches, in JavaScript (the WebAssembly kernel's fallback, same arithmetic):
 * m[rows[q], c] −= lr · g / √acc with g = values[q] · grad[c], for the example's first `n` non-zeros.
 */
export function jsAdagrad(m: Float32Array, acc: Float32Array, width: number, rows: Int32Array, values: Float32Array, n: number, grad: Float32Array, lr: number): void {
  for (let q = 0; q < n; q++) {
    const x = values[q] as number;
    const base = (rows[q] as number) * width;
    for (let c = 0; c < width; c++) {
      const g = x * (grad[c] as number);
      if (g === 0) continue;
      const s = (acc[base + c] as number) + g * g;
      acc[base + c] = s;
      m[base + c] = (m[base + c] as number) - (lr * g) / Math.sqrt(s);
    }
  }
}
