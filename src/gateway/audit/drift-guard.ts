/**
 * The drift guard of one answer stream (a classify task, or one field of an extract task) of one served model version.
 *
 * The certificate says: kept answers (confidence ≥ λ₀) are wrong at most ε of the time, for traffic like the calibration
 * data. The guard watches the audits of answers the certificate keeps and acts on one-sided 95% Clopper-Pearson bounds:
 * - trip when at least `minSamples` audits are in the window and the LOWER bound of their error exceeds ε: the data then
 *   say the certificate no longer holds (a rule on the upper bound would trip on any small sample, since the upper bound
 *   of 50 clean audits is already 5.8%);
 * - on a trip, every answer escalates (+∞) and the window is emptied: what follows is judged on fresh evidence only.
 *   A threshold chosen from the window at the trip would be certified on a mixture of the traffic before and after the
 *   shift, and fail on the shifted traffic alone (the end-to-end test showed 12 wrong in 50 kept at ε = 5%);
 * - `raise_threshold`: while tripped, each time `minSamples` more audits arrived, the audits since the trip (a uniform
 *   sample of what λ₀ would keep of the traffic now) are put to the same fixed-sequence test that certified λ₀
 *   (src/compact/threshold.ts); a threshold it certifies at ε below the one served is served instead (`adjusted`).
 *   Each such test is at 95%, not corrected for being repeated; the trip rule keeps watching what it serves:
 * - while tripped, the trip rule applied to the audits at or above a finite served threshold trips again (+∞);
 * - clear (serve λ₀ again) when at least `minSamples` audits since the trip put the UPPER bound of the error at λ₀ back
 *   under ε: the evidence must positively support the certificate before its threshold is served again.
 * Audits below λ₀ are never observed (the certificate does not keep them); while tripped, the caller samples requests at
 * or above λ₀ at one rate whether they were kept or escalated, so the window stays a uniform sample of what λ₀ would keep.
 * Each look is a 5% test: over a long stream a false trip can happen; it costs LLM calls, never a wrong answer.
 */
import { labelFreeStart, selectThreshold } from "../../compact/threshold.ts";
import { createKeptErrorWindow, type AuditSample, type KeptErrorStats } from "./kept-error.ts";

export type GuardAction = "raise_threshold" | "escalate_all";

export interface DriftGuardOptions {
  /** ε. */
  epsilon: number;
  /** λ₀: the threshold the model file certified (or the configured one). */
  certified: number;
  action: GuardAction;
  window: number;
  minSamples: number;
  /** Level of the one-sided bounds (and of the raised threshold's test). Default 0.95. */
  level?: number;
}

export interface GuardTransition {
  kind: "tripped" | "adjusted" | "cleared";
  /** Served threshold before and after (+Infinity: every answer escalates). */
  from: number;
  to: number;
  /** The audits the decision read. */
  stats: KeptErrorStats;
  reason: string;
}

export interface DriftGuardState {
  tripped: boolean;
  certified: number;
  served: number;
  epsilon: number;
  /** The window's audits at λ₀ (since the last trip, when tripped). */
  stats: KeptErrorStats;
  /** When the guard last tripped or cleared (ISO 8601). */
  since: string | undefined;
}

export interface DriftGuard {
  readonly served: number;
  readonly tripped: boolean;
  /** Adds an audit of an answer at or above λ₀ (others are ignored); returns the transition it caused, if any. */
  observe(sample: AuditSample): GuardTransition | undefined;
  state(): DriftGuardState;
  /** Back to λ₀ with an empty window (a recalibrated model was promoted, or an operator said so). */
  reset(reason: string): GuardTransition | undefined;
}

export function createDriftGuard(options: DriftGuardOptions): DriftGuard {
  const { epsilon, certified, action, minSamples } = options;
  const level = options.level ?? 0.95;
  const window = createKeptErrorWindow(options.window, level);
  let served = certified;
  let tripped = false;
  let since: string | undefined;
  /** Audits observed since the last trip (the window may hold fewer once full). */
  let sinceTrip = 0;

  /** The lowest threshold the audits since the trip certify at ε (never below λ₀), or undefined. */
  const certifiedOnWindow = (): number | undefined => {
    const samples = window.samples();
    const confidences = Float64Array.from(samples, (s) => s.confidence);
    const correct = Uint8Array.from(samples, (s) => (s.agree ? 1 : 0));
    const startThreshold = labelFreeStart(confidences, epsilon, level);
    const chosen = selectThreshold({ confidences, correct, maxError: epsilon, confidenceLevel: level, startThreshold });
    return chosen.certified ? Math.max(chosen.threshold, certified) : undefined;
  };

  const move = (kind: GuardTransition["kind"], to: number, stats: KeptErrorStats, reason: string): GuardTransition => {
    const transition = { kind, from: served, to, stats, reason };
    served = to;
    tripped = kind !== "cleared";
    since = new Date().toISOString();
    // An adjustment keeps the evidence since the trip: it goes on judging the threshold it chose.
    if (kind !== "adjusted") {
      window.clear();
      sinceTrip = 0;
    }
    return transition;
  };

  // The bounds cost a bisection each; they are computed only when the counts could cross ε (a lower bound above ε needs
  // an observed rate above it, an upper bound under ε a rate under it).
  const failing = (threshold: number): KeptErrorStats | undefined => {
    const { n, errors } = window.counts(threshold);
    if (n < minSamples || errors / n <= epsilon) return undefined;
    const stats = window.stats(threshold);
    return stats.lower > epsilon ? stats : undefined;
  };
  const passing = (threshold: number): KeptErrorStats | undefined => {
    const { n, errors } = window.counts(threshold);
    if (n < minSamples || errors / n >= epsilon) return undefined;
    const stats = window.stats(threshold);
    return stats.upper <= epsilon ? stats : undefined;
  };

  return {
    get served() {
      return served;
    },
    get tripped() {
      return tripped;
    },
    observe(sample) {
      if (!(sample.confidence >= certified)) return undefined;
      window.push(sample);
      sinceTrip++;
      if (Number.isFinite(served)) {
        const atServed = failing(served);
        if (atServed !== undefined) {
          return move("tripped", Number.POSITIVE_INFINITY, atServed, `${atServed.errors} of ${atServed.n} audits at threshold ${served} disagree: the kept error is above ε = ${epsilon} with 95% confidence (lower bound ${atServed.lower.toFixed(4)})`);
        }
      }
      if (!tripped) return undefined;
      const atCertified = passing(certified);
      if (atCertified !== undefined) {
        return move("cleared", certified, atCertified, `${atCertified.errors} of ${atCertified.n} audits since the trip disagree: the kept error at the certified threshold is under ε = ${epsilon} with 95% confidence (upper bound ${atCertified.upper.toFixed(4)})`);
      }
      if (action === "raise_threshold" && sinceTrip % minSamples === 0) {
        const lower = certifiedOnWindow();
        if (lower !== undefined && lower < served) {
          const stats = window.stats(lower);
          return move("adjusted", lower, stats, `the last ${window.size} audits since the trip certify threshold ${lower} at ε = ${epsilon} (${stats.errors} of ${stats.n} kept disagree, upper bound ${stats.upper.toFixed(4)})`);
        }
      }
      return undefined;
    },
    state() {
      return { tripped, certified, served, epsilon, stats: window.stats(certified), since };
    },
    reset(reason) {
      if (!tripped) {
        window.clear();
        return undefined;
      }
      return move("cleared", certified, window.stats(certified), reason);
    },
  };
}
