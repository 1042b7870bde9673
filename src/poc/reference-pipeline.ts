/**
 * Repeated traffic (`load.repeat`) lets a cache answer repeats, which the dense baseline cannot do: comparing the frugal
 * chain (cache → compact → LLM) to a cacheless dense pipeline would credit the compact tier with the cache's saving. So
 * when the load repeats and a chain has a cache, the run adds a reference pipeline, the baseline behind the same cache, and
 * the report splits the saving in two: dense → dense with cache (the cache), dense with cache → chain (the compact tier).
 */
import type { PocConfig } from "./config.ts";
import type { PipelineConfig } from "../pipeline/config.ts";

export interface CacheReference {
  /** The added pipeline's name. */
  name: string;
  /** The baseline it adds the cache to, and the chain whose cache it borrows. */
  baseline: string;
  chain: string;
  cacheTier: string;
}

export function cacheReference(config: PocConfig): { pipeline: PipelineConfig; reference: CacheReference } | undefined {
  if (config.load.repeat === undefined) return undefined;
  const kindOf = (tier: string): string | undefined => config.tiers[tier]?.kind;
  const chain = config.pipelines.find((p) => p.tiers.some((t) => kindOf(t) === "cache") && p.tiers.some((t) => kindOf(t) === "compact"));
  const baseline = config.pipelines.find((p) => p.tiers.some((t) => kindOf(t) === "llm") && p.tiers.every((t) => kindOf(t) === "llm"));
  if (chain === undefined || baseline === undefined) return undefined;
  // A pipeline the user already declared as dense-with-cache is that reference: nothing to add.
  const cached = (p: PipelineConfig): boolean => kindOf(p.tiers[0] as string) === "cache" && p.tiers.slice(1).join("\u0000") === baseline.tiers.join("\u0000");
  if (config.pipelines.some(cached)) return undefined;
  const cacheTier = chain.tiers.find((t) => kindOf(t) === "cache") as string;
  let name = `${baseline.name}-with-cache`;
  while (config.pipelines.some((p) => p.name === name)) name = `${name}-ref`;
  return {
    pipeline: { name, tiers: [cacheTier, ...baseline.tiers], escalation: baseline.escalation },
    reference: { name, baseline: baseline.name, chain: chain.name, cacheTier },
  };
}
