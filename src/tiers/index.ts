export type { CascadeTier, CascadeTierAnswer, LlmEstimate, LlmEstimator, PricedValue, TierMeter } from "./types.ts";
export { createCacheTier, type CacheTierOptions } from "./cache-tier.ts";
export { createCompactTier, type CompactTierOptions } from "./compact-tier.ts";
export { createLlmTier, type LlmTierOptions } from "./llm-tier.ts";
