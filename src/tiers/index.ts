export type { CascadeTier, CascadeTierAnswer, LlmEstimate, LlmEstimator, PricedValue, TierMeter } from "./types.ts";
export { createCacheTier, type CacheTierOptions } from "./cache-tier.ts";
export { createCompactTier, type CompactTierOptions } from "./compact-tier.ts";
export { createLlmTier, type LlmTierOptions } from "./llm-tier.ts";
export { parseLabel, normalizeLabel, type ParsedLabel, type LabelParseMethod } from "./parse-label.ts";
export { editDistance } from "../core/text-distance.ts";
export { renderPrompt, reducedText, parseFields, extractionSchema, classificationSchema, DEFAULT_TEMPLATES } from "./prompt.ts";
export { timeCpu } from "./cpu-time.ts";
