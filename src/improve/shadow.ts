/**
 * Shadow scoring: a candidate classifier answers beside the served model on live requests, with no effect on the answer.
 * Per candidate version it counts agreement with the answer served and, when the LLM tier answered, with the LLM; and how
 * many requests each model would keep at its own certified threshold (coverage on the same traffic). Those counts feed
 * `frugal models list` and the automatic promotion rule: a candidate certified at the same ε that keeps more of the same
 * requests serves more of them without the LLM at the same error bound.
 */
import type { CompactClassifier } from "../compact/types.ts";

export interface ShadowStats {
  version: string;
  /** The served version these counts compare with; counts restart when it changes. */
  against: string;
  requests: number;
  /** The candidate's label equals the answer served (whatever tier gave it). */
  agreeServed: number;
  /** Requests the LLM tier answered, and those where the candidate gave the LLM's label. */
  llmAnswered: number;
  agreeLlm: number;
  /** On the same LLM-answered requests, the served compact model's label equals the LLM's. */
  currentAgreeLlm: number;
  /** Requests each model would keep at its own threshold. */
  candidateKept: number;
  currentKept: number;
  /** Summed wall time of the candidate's predict calls (µs): what shadowing costs per request. */
  scoreMicros: number;
  updatedAt: string;
}

export interface ShadowObservation {
  text: string;
  /** The label served (any tier), or undefined for an extract task or a failed request. */
  served: string | undefined;
  /** The LLM tier's label when the LLM answered. */
  llm: string | undefined;
  /** The served compact model's own answer on this request (its step in the cascade). */
  current: { label: string; confidence: number } | undefined;
  currentThreshold: number;
}

export function emptyShadowStats(version: string, against: string): ShadowStats {
  return { version, against, requests: 0, agreeServed: 0, llmAnswered: 0, agreeLlm: 0, currentAgreeLlm: 0, candidateKept: 0, currentKept: 0, scoreMicros: 0, updatedAt: new Date().toISOString() };
}

/** Restores persisted counts when they are for this candidate against this served version, else starts at zero. */
export function resumeShadowStats(saved: unknown, version: string, against: string): ShadowStats {
  const fresh = emptyShadowStats(version, against);
  if (saved === null || typeof saved !== "object") return fresh;
  const s = saved as Partial<ShadowStats>;
  if (s.version !== version || s.against !== against) return fresh;
  for (const key of Object.keys(fresh) as Array<keyof ShadowStats>) {
    if (typeof fresh[key] === "number" && typeof s[key] === "number") (fresh as unknown as Record<string, number>)[key] = s[key] as number;
  }
  return fresh;
}

/** Scores one request with the candidate and adds it to the counts. */
export function observeShadow(stats: ShadowStats, candidate: CompactClassifier, o: ShadowObservation): void {
  const started = performance.now();
  const p = candidate.predict(o.text);
  stats.scoreMicros += (performance.now() - started) * 1000;
  stats.requests++;
  if (o.served !== undefined && p.label === o.served) stats.agreeServed++;
  if (p.confidence >= candidate.threshold) stats.candidateKept++;
  if (o.current !== undefined && o.current.confidence >= o.currentThreshold) stats.currentKept++;
  if (o.llm !== undefined) {
    stats.llmAnswered++;
    if (p.label === o.llm) stats.agreeLlm++;
    if (o.current?.label === o.llm) stats.currentAgreeLlm++;
  }
  stats.updatedAt = new Date().toISOString();
}

export interface ShadowSummary {
  requests: number;
  agreement_served: number | null;
  llm_answered: number;
  agreement_llm: number | null;
  current_agreement_llm: number | null;
  candidate_coverage: number | null;
  current_coverage: number | null;
  mean_score_us: number | null;
}

const share = (n: number, d: number): number | null => (d === 0 ? null : n / d);

export function summarizeShadow(s: ShadowStats): ShadowSummary {
  return {
    requests: s.requests,
    agreement_served: share(s.agreeServed, s.requests),
    llm_answered: s.llmAnswered,
    agreement_llm: share(s.agreeLlm, s.llmAnswered),
    current_agreement_llm: share(s.currentAgreeLlm, s.llmAnswered),
    candidate_coverage: share(s.candidateKept, s.requests),
    current_coverage: share(s.currentKept, s.requests),
    mean_score_us: share(s.scoreMicros, s.requests),
  };
}

/** The certificate a classifier frugal trained carries in its header; undefined for models that carry none (tables). */
export function modelCertificate(model: CompactClassifier): { certified: boolean; maxError: number } | undefined {
  const threshold = (model as { meta?: { threshold?: { maxError?: unknown; certified?: unknown } } }).meta?.threshold;
  return typeof threshold?.maxError === "number" && typeof threshold.certified === "boolean" ? { certified: threshold.certified, maxError: threshold.maxError } : undefined;
}

export interface AutoPromoteInput {
  stats: ShadowStats;
  minShadow: number;
  candidate: { certified: boolean; maxError: number };
  /** The served model's certificate; undefined when it carries none (then the rule cannot compare at the same ε). */
  current: { certified: boolean; maxError: number } | undefined;
}

/** The automatic rule: enough shadow traffic, both certified at the same ε, and the candidate keeps more of it. */
export function autoPromoteReason(input: AutoPromoteInput): string | undefined {
  const { stats, candidate, current } = input;
  if (stats.requests < input.minShadow || !candidate.certified || current === undefined) return undefined;
  if (current.certified && Math.abs(current.maxError - candidate.maxError) > 1e-12) return undefined;
  if (current.certified && stats.candidateKept <= stats.currentKept) return undefined;
  const covers = (n: number) => (n / stats.requests).toFixed(4);
  return `on ${stats.requests} shadow requests the candidate keeps ${covers(stats.candidateKept)} at ε=${candidate.maxError}, the served model ${covers(stats.currentKept)}`;
}
