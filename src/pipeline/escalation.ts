/**
 * A pipeline's `escalation` block (config, snake_case) as the cascade's policy and context options. One conversion for the
 * PoC and the gateway, so a rule or deadline means the same in both. `tiers` keeps only what concerns the tiers that
 * actually run (the gateway drops tiers that cannot answer, e.g. off-prem ones under a local_only PII policy).
 */
import type { EscalationPolicy } from "../cascade/index.ts";
import type { ContextOptions } from "../cascade/context.ts";
import type { PipelineConfig } from "./config.ts";

type Escalation = PipelineConfig["escalation"];

export function escalationPolicyOf(escalation: Escalation, tiers?: readonly string[]): EscalationPolicy {
  const runs = (name: string): boolean => tiers === undefined || tiers.includes(name);
  return {
    rules: escalation.rules
      .map((r, i) => ({
        name: r.name ?? `rule-${i + 1}`,
        route: r.route,
        when: {
          ...(r.min_chars !== undefined ? { minChars: r.min_chars } : {}),
          ...(r.max_chars !== undefined ? { maxChars: r.max_chars } : {}),
          ...(r.pattern !== undefined ? { pattern: new RegExp(r.pattern) } : {}),
          ...(r.tag !== undefined ? { tag: r.tag } : {}),
        },
      }))
      .filter((r) => runs(r.route)),
    fallbackOnError: escalation.fallback_on_error,
    onExhausted: escalation.on_exhausted,
    timeoutMs: Object.fromEntries(Object.entries(escalation.timeouts_ms).filter(([name]) => runs(name))),
  };
}

export function contextOptionsOf(escalation: Escalation): ContextOptions {
  return { topLines: escalation.context.top_lines, window: escalation.context.window };
}
