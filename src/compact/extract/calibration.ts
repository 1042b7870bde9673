/**
 * Confidence calibration: P(answer right) = σ(w·x + b), a logistic regression fitted by Newton's method (with step halving
 * and a small ridge) on held-out, out-of-fold answers. Platt scaling is the one-feature case; the extractor uses three:
 *   - the ranker's log-margin between its answer and the runner-up value (the softmax mass itself saturates at 1.0);
 *   - whether the value memory knows the answer's canonical form, and
 *   - when the field answers the memory's spelling, how much the labels agreed on it (1 = one spelling, 0.5 = two
 *     spellings used equally; 0 for fields that answer the printed spelling, where agreement says nothing).
 * On SROIE's train split, held-out addresses the memory knew with one agreed spelling were right 88% of the time, unknown
 * ones 54%: the margin alone cannot see that. Targets are Platt's smoothed labels ((N₊+1)/(N₊+2) and 1/(N₋+2)), so a field
 * with no held-out mistakes still gets confidences below 1.
 */

export interface Calibration {
  weights: number[];
  bias: number;
}

/** The calibration features of one answer (see the file comment). */
export function calibrationFeatures(margin: number, memoryKnown: boolean, spellingShare: number, answersMemorySpelling: boolean): number[] {
  return [margin, memoryKnown ? 1 : 0, memoryKnown && answersMemorySpelling ? spellingShare : 0];
}

const RIDGE = 1e-3;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function linear(model: Calibration, x: readonly number[]): number {
  let z = model.bias;
  for (let i = 0; i < model.weights.length; i++) z += (model.weights[i] ?? 0) * (x[i] ?? 0);
  return z;
}

export function applyCalibration(model: Calibration, x: readonly number[]): number {
  // Never exactly 1: a threshold of 1 must mean "escalate everything".
  return Math.min(1 - 1e-9, sigmoid(linear(model, x)));
}

function loss(xs: readonly number[][], ts: readonly number[], model: Calibration): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) {
    const z = linear(model, xs[i] as number[]);
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (ts[i] as number) * z;
  }
  for (const w of model.weights) total += 0.5 * RIDGE * w * w;
  return total;
}

/** Solves A·x = g for a small dense symmetric system (Gaussian elimination with partial pivoting). */
function solve(a: number[][], g: number[]): number[] | null {
  const n = g.length;
  const m = a.map((row, i) => [...row, g[i] as number]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[pivot]?.[c] ?? 0)) pivot = r;
    if (Math.abs(m[pivot]?.[c] ?? 0) < 1e-12) return null;
    [m[c], m[pivot]] = [m[pivot] as number[], m[c] as number[]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = (m[r]?.[c] ?? 0) / (m[c]?.[c] ?? 1);
      for (let k = c; k <= n; k++) (m[r] as number[])[k] = (m[r]?.[k] ?? 0) - f * (m[c]?.[k] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

export function fitCalibration(items: ReadonlyArray<{ features: readonly number[]; correct: boolean }>): Calibration {
  const dims = items[0]?.features.length ?? 0;
  let model: Calibration = { weights: new Array<number>(dims).fill(0), bias: 0 };
  if (items.length === 0) return model;
  const positives = items.filter((i) => i.correct).length;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (items.length - positives + 2);
  const xs = items.map((i) => [...i.features]);
  const ts = items.map((i) => (i.correct ? hi : lo));
  let current = loss(xs, ts, model);
  for (let iteration = 0; iteration < 100; iteration++) {
    // Parameters: weights then bias. Gradient and Hessian of the ridge-penalized log loss.
    const n = dims + 1;
    const g = new Array<number>(n).fill(0);
    const h = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    xs.forEach((x, i) => {
      const p = sigmoid(linear(model, x));
      const r = p - (ts[i] as number);
      const w = p * (1 - p);
      const v = [...x, 1];
      for (let a = 0; a < n; a++) {
        g[a] = (g[a] ?? 0) + r * (v[a] ?? 0);
        for (let b = 0; b < n; b++) (h[a] as number[])[b] = (h[a]?.[b] ?? 0) + w * (v[a] ?? 0) * (v[b] ?? 0);
      }
    });
    for (let a = 0; a < dims; a++) {
      g[a] = (g[a] ?? 0) + RIDGE * (model.weights[a] ?? 0);
      (h[a] as number[])[a] = (h[a]?.[a] ?? 0) + RIDGE;
    }
    (h[dims] as number[])[dims] = (h[dims]?.[dims] ?? 0) + 1e-9;
    const step = solve(h, g);
    if (step === null) break;
    // Newton can overshoot on nearly separable data: halve the step until the loss goes down.
    let scale = 1;
    let next: Calibration = model;
    let nextLoss = Infinity;
    while (scale > 1e-6) {
      next = { weights: model.weights.map((w, a) => w - scale * (step[a] ?? 0)), bias: model.bias - scale * (step[dims] ?? 0) };
      nextLoss = loss(xs, ts, next);
      if (nextLoss <= current) break;
      scale /= 2;
    }
    if (nextLoss > current) break;
    const improvement = current - nextLoss;
    model = next;
    current = nextLoss;
    if (improvement < 1e-10) break;
  }
  return model.weights.every(Number.isFinite) && Number.isFinite(model.bias) ? model : { weights: new Array<number>(dims).fill(0), bias: 0 };
}
