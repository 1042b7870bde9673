/**
 * What the cascade needs from a tier beyond src/core's Tier: the escalation threshold a compact tier carries, the lines an
 * extractor ranked per field (prompt reduction for the LLM), a description that is hashed into cache scopes and results
 * files, and whether an LLM tier is modeled. Also the two seams through which tiers are priced: TierMeter (cost, energy,
 * tokens) and LlmEstimator (a modeled LLM's latency), implemented over src/meter and src/plan by src/poc.
 */
import type { Provenance } from "../core/provenance.ts";
import type { Tier, TierAnswer, TierRequest } from "../core/types.ts";

/** One priced quantity: USD or joules, with where it came from. */
export interface PricedValue {
  value: number | null;
  provenance: Provenance;
  /** The catalog row, profile or measurement behind it. */
  source: string;
}

export interface TierMeter {
  costOfTokens(model: string, inputTokens: number, outputTokens: number): PricedValue;
  energyOfTokens(model: string, inputTokens: number, outputTokens: number): PricedValue;
  /** Self-hosted in-process work (compact models): $/core-hour × CPU time. */
  costOfCpu(cpuMs: number): PricedValue;
  energyOfCpu(cpuMs: number): PricedValue;
  /** A tokenizer estimate, for prompts nobody sent (modeled tiers, prompt-reduction savings). */
  countTokens(text: string): number;
}

export interface LlmEstimate {
  latencyMs: number;
  /** Energy of this request on the modeled hardware, when the profile knows it. */
  energyJ: number | null;
  note: string;
}

/** A modeled LLM's latency and energy for a request of this size (the planner, or a catalog profile). */
export interface LlmEstimator {
  readonly source: string;
  estimate(request: { inputTokens: number; outputTokens: number }): LlmEstimate;
}

export interface CascadeTierAnswer extends TierAnswer {
  /** extract: the lines the extractor ranked most likely to hold each field, best first. */
  fieldLines?: Record<string, string[]>;
  /** extract: fields answered by a modeled tier: present in `fields` as null, but unknown rather than absent. */
  unknownFields?: string[];
  /**
   * extract: fields escalated to tiers that all failed (an error, an answer that was not JSON): present in `fields` as
   * null and scored as wrong, while the fields an earlier tier kept stand (src/cascade/cascade.ts).
   */
  failedFields?: string[];
  /** A cache hit replays the answer of the tier that produced it. */
  cachedFrom?: string;
  /** llm: how the label or fields were read from the text (parse method), for diagnostics. */
  parse?: string;
  /**
   * llm: tokenizer estimates (same tokenizer for both, so their difference is the prompt-reduction saving) of the prompt
   * sent and of the prompt a full document asking for every field would have been.
   */
  promptTokenEstimate?: { sent: number; full: number };
}

export interface CascadeTier extends Tier {
  /** The confidence below which the cascade escalates past this tier (compact tiers). */
  readonly threshold?: number;
  /** extract: per-field thresholds; a field below its own goes to the next tier alone. */
  readonly fieldThresholds?: Readonly<Record<string, number>>;
  /** llm: no endpoint configured; answers carry cost and latency but no content. */
  readonly modeled?: boolean;
  /** What defines this tier's answers (model, file hash, threshold...): hashed into cache scopes and results keys. */
  readonly description: Record<string, unknown>;
  answer(request: TierRequest): Promise<CascadeTierAnswer | null>;
}

/** An extraction answer is as sure as its least sure field (1 when it has no fields: nothing to doubt). */
export function leastFieldConfidence(fieldConfidence: Readonly<Record<string, number>>): number {
  const confidences = Object.values(fieldConfidence);
  return confidences.length === 0 ? 1 : Math.min(...confidences);
}
