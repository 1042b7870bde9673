/**
 * Temperature scaling: one scalar T dividing every logit, chosen to minimize the negative log-likelihood of held-out labels.
 * It fixes the over-confidence a linear model picks up while fitting its training set without changing its argmax, so the
 * confidence the cascade thresholds is a probability it can reason about. NLL(T) is smooth and unimodal in log T in practice,
 * so a golden-section search over log T is enough.
 */

export interface LogitSet {
  /** Row-major n × k logits. */
  logits: Float32Array | Float64Array;
  /** True class per row; a negative label (a class the model does not know) is ignored. */
  labels: Int32Array;
  numClasses: number;
}

/** Mean NLL of the labels at temperature `t` (rows with an unknown label are skipped). */
export function meanNll(set: LogitSet, t: number): number {
  const { logits, labels, numClasses: k } = set;
  let total = 0;
  let counted = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y < 0) continue;
    const base = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, logits[base + c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(((logits[base + c] as number) - max) / t);
    total += Math.log(sum) - ((logits[base + y] as number) - max) / t;
    counted++;
  }
  return counted === 0 ? 0 : total / counted;
}

export interface TemperatureFit {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
}

export interface FitTemperatureOptions {
  /** Search range for T. */
  min?: number;
  max?: number;
  iterations?: number;
}

export function fitTemperature(set: LogitSet, options: FitTemperatureOptions = {}): TemperatureFit {
  let lo = Math.log(options.min ?? 0.02);
  let hi = Math.log(options.max ?? 50);
  const iterations = options.iterations ?? 40;
  const phi = (Math.sqrt(5) - 1) / 2;
  const f = (logT: number): number => meanNll(set, Math.exp(logT));
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let i = 0; i < iterations; i++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = f(b);
    }
  }
  const best = fa <= fb ? a : b;
  const nllBefore = meanNll(set, 1);
  const nllAfter = Math.min(fa, fb);
  // Never return a temperature that is worse than none (a flat or degenerate validation set).
  if (nllAfter > nllBefore) return { temperature: 1, nllBefore, nllAfter: nllBefore };
  return { temperature: Math.exp(best), nllBefore, nllAfter };
}

/** Calibrated probability of the argmax of one logit row: 1 / Σ exp((z_c − z_max) / T). */
export function maxSoftmax(logits: ArrayLike<number>, offset: number, k: number, t: number): { index: number; probability: number } {
  let index = 0;
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    const z = logits[offset + c] as number;
    if (z > max) {
      max = z;
      index = c;
    }
  }
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(((logits[offset + c] as number) - max) / t);
  return { index, probability: 1 / sum };
}
