/**
 * The kept-error estimate: over the last `window` audits (a compact answer the certificate would keep, checked against
 * the LLM tier's answer on the same input), the disagreement rate and its exact one-sided Clopper-Pearson bounds
 * (src/compact/binomial.ts, the same arithmetic that certified the threshold). The LLM's answer is the reference: the
 * estimate is of disagreement with it, which is the kept error when the LLM is right, and the bound says nothing about
 * the LLM's own mistakes.
 */
import { clopperPearsonInterval, clopperPearsonUpper } from "../../compact/binomial.ts";

/** One audited answer: the compact tier's confidence in it, and whether the LLM tier agreed. */
export interface AuditSample {
  confidence: number;
  agree: boolean;
}

export interface KeptErrorStats {
  /** Audits counted (those at or above the threshold asked for). */
  n: number;
  /** Of them, disagreements. */
  errors: number;
  /** errors / n; null without audits. */
  estimate: number | null;
  /** One-sided lower bound at `level`: the error rate is at least this (0 without audits). */
  lower: number;
  /** One-sided upper bound at `level`: the error rate is at most this (1 without audits). */
  upper: number;
}

export interface KeptErrorWindow {
  readonly capacity: number;
  readonly size: number;
  push(sample: AuditSample): void;
  /** The audits at or above `threshold` (all of them when omitted), oldest first. */
  samples(threshold?: number): AuditSample[];
  /** How many audits at or above `threshold`, and how many of them disagree (no bounds: cheap, for every look). */
  counts(threshold?: number): { n: number; errors: number };
  stats(threshold?: number): KeptErrorStats;
  clear(): void;
}

/** Exact one-sided bounds at `level` (0.95: 5% in the one tail each bound excludes). */
export function keptErrorBounds(errors: number, n: number, level: number): KeptErrorStats {
  if (n === 0) return { n, errors, estimate: null, lower: 0, upper: 1 };
  // A two-sided interval at 1 − 2(1 − level) has (1 − level) in each tail: its lower end is the one-sided lower bound.
  const [lower] = clopperPearsonInterval(errors, n, 1 - 2 * (1 - level));
  return { n, errors, estimate: errors / n, lower, upper: clopperPearsonUpper(errors, n, 1 - level) };
}

export function createKeptErrorWindow(capacity: number, level = 0.95): KeptErrorWindow {
  // A ring buffer: the window slides one audit at a time without copying.
  const ring: AuditSample[] = [];
  let next = 0;
  const ordered = (): AuditSample[] => (ring.length < capacity ? ring : [...ring.slice(next), ...ring.slice(0, next)]);
  return {
    capacity,
    get size() {
      return ring.length;
    },
    push(sample) {
      if (ring.length < capacity) ring.push(sample);
      else ring[next] = sample;
      next = (next + 1) % capacity;
    },
    samples(threshold) {
      const all = ordered();
      return threshold === undefined ? [...all] : all.filter((s) => s.confidence >= threshold);
    },
    counts(threshold) {
      let n = 0;
      let errors = 0;
      for (const s of ring) {
        if (threshold !== undefined && s.confidence < threshold) continue;
        n++;
        if (!s.agree) errors++;
      }
      return { n, errors };
    },
    stats(threshold) {
      const { n, errors } = this.counts(threshold);
      return keptErrorBounds(errors, n, level);
    },
    clear() {
      ring.length = 0;
      next = 0;
    },
  };
}
