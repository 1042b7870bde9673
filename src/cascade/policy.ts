/**
 * The escalation policy beyond confidence thresholds (which live on the compact tiers, error-bounded at training time and
 * overridable in config): rules that send an input straight to a given tier, and what to do when a tier fails.
 */
import { FrugalError } from "../core/errors.ts";

export interface RuleCondition {
  /** Inputs at least this long (characters) match. */
  minChars?: number;
  /** Inputs at most this long match. */
  maxChars?: number;
  /** Inputs the pattern finds a match in. */
  pattern?: RegExp;
  /** Requests carrying this tag (a dataset column, a gateway header). */
  tag?: string;
}

export interface EscalationRule {
  name: string;
  /** Every condition given must hold. */
  when: RuleCondition;
  /** The tier the request goes straight to. Cache tiers before it are still consulted: an exact hit is free and right. */
  route: string;
}

export interface EscalationPolicy {
  rules: EscalationRule[];
  /** On a tier error or timeout, try the next tier (true), or fail the request at once (false). */
  fallbackOnError: boolean;
  /**
   * When every tier after a low-confidence answer failed: `fail` records a failed request; `best_effort` keeps the
   * low-confidence answer and marks the request degraded. Either way the errors are counted.
   */
  onExhausted: "fail" | "best_effort";
  /** Per-tier deadline, by tier name; the tier's signal is aborted past it. */
  timeoutMs: Record<string, number>;
}

export const DEFAULT_POLICY: EscalationPolicy = { rules: [], fallbackOnError: true, onExhausted: "fail", timeoutMs: {} };

export function validatePolicy(policy: EscalationPolicy, tierNames: readonly string[]): void {
  for (const rule of policy.rules) {
    if (!tierNames.includes(rule.route)) {
      throw new FrugalError("config_invalid", `rule ${rule.name}: routes to unknown tier "${rule.route}" (the pipeline has: ${tierNames.join(", ")})`);
    }
    if (Object.values(rule.when).every((v) => v === undefined)) {
      throw new FrugalError("config_invalid", `rule ${rule.name}: needs at least one condition (min_chars, max_chars, pattern or tag)`);
    }
  }
  for (const name of Object.keys(policy.timeoutMs)) {
    if (!tierNames.includes(name)) throw new FrugalError("config_invalid", `timeout for unknown tier "${name}"`);
  }
}

/** The first rule whose conditions all hold, or undefined. */
export function matchRule(rules: readonly EscalationRule[], text: string, tags: readonly string[]): EscalationRule | undefined {
  return rules.find(({ when }) => {
    if (when.minChars !== undefined && text.length < when.minChars) return false;
    if (when.maxChars !== undefined && text.length > when.maxChars) return false;
    if (when.pattern !== undefined) {
      when.pattern.lastIndex = 0;
      if (!when.pattern.test(text)) return false;
    }
    if (when.tag !== undefined && !tags.includes(when.tag)) return false;
    return true;
  });
}
