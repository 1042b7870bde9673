export { createCascade, type Cascade, type CascadeOptions, type CascadeRequest, type CascadeResult, type CascadeStep, type StepOutcome } from "./cascade.ts";
export { DEFAULT_POLICY, matchRule, validatePolicy, type EscalationPolicy, type EscalationRule, type RuleCondition } from "./policy.ts";
export { DEFAULT_CONTEXT, windowedContext, type ContextOptions } from "./context.ts";
export { defaultThresholds, recommendThreshold, sweepThresholds, type SweepPointResult, type SweepRecommendation, type SweepRequest, type SweepUnit } from "./sweep.ts";
