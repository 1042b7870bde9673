/**
 * Classification metrics over predicted/true label strings. Labels are strings, not model indices, because a test file may
 * hold a label the model never saw: it is simply never predicted, so it counts as an error and as a class with F1 = 0.
 */

export function accuracyOf(predicted: readonly string[], truth: readonly string[]): number {
  if (truth.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
  return correct / truth.length;
}

/** Macro-F1 over every label seen in truth or predictions (sklearn's convention); a label with no support and no hit is 0. */
export function macroF1Of(predicted: readonly string[], truth: readonly string[]): number {
  const stats = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (label: string) => {
    let s = stats.get(label);
    if (s === undefined) {
      s = { tp: 0, fp: 0, fn: 0 };
      stats.set(label, s);
    }
    return s;
  };
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] as string;
    const t = truth[i] as string;
    if (p === t) get(t).tp++;
    else {
      get(p).fp++;
      get(t).fn++;
    }
  }
  if (stats.size === 0) return 0;
  let sum = 0;
  for (const { tp, fp, fn } of stats.values()) sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return sum / stats.size;
}

export interface CurvePoint {
  /** Share of items kept (the most confident first). */
  coverage: number;
  /** Accuracy on the kept items. */
  accuracy: number;
  /** The confidence of the least confident kept item: keeping `confidence ≥ threshold` gives (about) this coverage. */
  threshold: number;
}

/** The coverages every curve reports (the eval contract names 0.5 … 1.0; the rest make the plot readable). */
export const CURVE_COVERAGES: readonly number[] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0];

/** Accuracy when keeping only the most confident fraction of items, for each requested coverage. */
export function riskCoverageCurve(confidences: ArrayLike<number>, correct: ArrayLike<number>, coverages: readonly number[] = CURVE_COVERAGES): CurvePoint[] {
  const n = confidences.length;
  if (n === 0) return [];
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (confidences[b] as number) - (confidences[a] as number));
  const cumulative = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) cumulative[r + 1] = (cumulative[r] as number) + ((correct[order[r] as number] as number) ? 1 : 0);
  return coverages.map((coverage) => {
    const kept = Math.max(1, Math.min(n, Math.ceil(coverage * n - 1e-9)));
    return {
      coverage: kept / n,
      accuracy: (cumulative[kept] as number) / kept,
      threshold: confidences[order[kept - 1] as number] as number,
    };
  });
}

export interface SelectiveResult {
  coverage: number;
  /** Accuracy on kept items; null when nothing is kept. */
  accuracy: number | null;
  kept: number;
}

/** Coverage and accuracy of the items with confidence ≥ threshold. */
export function selectiveAt(confidences: ArrayLike<number>, correct: ArrayLike<number>, threshold: number): SelectiveResult {
  let kept = 0;
  let right = 0;
  for (let i = 0; i < confidences.length; i++) {
    if ((confidences[i] as number) >= threshold) {
      kept++;
      if (correct[i]) right++;
    }
  }
  return { coverage: confidences.length === 0 ? 0 : kept / confidences.length, accuracy: kept === 0 ? null : right / kept, kept };
}

export { percentile } from "../core/percentile.ts";

/** The curve point whose coverage is closest to `coverage` (curves are computed at fixed coverages, rounded to whole items). */
export function nearestPoint(curve: readonly CurvePoint[], coverage: number): CurvePoint | undefined {
  let best: CurvePoint | undefined;
  for (const p of curve) if (best === undefined || Math.abs(p.coverage - coverage) < Math.abs(best.coverage - coverage)) best = p;
  return best;
}
