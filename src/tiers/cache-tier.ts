/**
 * The exact cache tier. It sits first in a pipeline: a hit answers at zero cost with the stored answer of the tier that
 * produced it; a miss says nothing and the cascade moves on. The cascade hands it the pipeline's final answer afterwards
 * (`remember`). Keys cover the canonical input, the task, the requested fields and `scope` — a hash of everything behind
 * the cache — so changing a model or a threshold can never serve an answer made under the old configuration.
 *
 * Modeled answers (no content, an LLM with no endpoint) are cached too: in production that LLM's answer would have been
 * stored, so the repeat's zero cost is real; its content stays unknown and quality downstream stays `not_measured`.
 */
import { extend } from "../core/objects.ts";
import { cacheKey, type CacheStore } from "../cache/index.ts";
import { FrugalError } from "../core/errors.ts";
import { zeroUsage, type TierRequest } from "../core/types.ts";
import type { CascadeTier, CascadeTierAnswer } from "./types.ts";

export interface CacheTierOptions {
  name: string;
  store: CacheStore<CascadeTierAnswer>;
  /** Hash of the configuration of the tiers behind this cache. */
  scope: string;
}

export function createCacheTier(options: CacheTierOptions): CascadeTier {
  if (options.name.trim() === "") throw new FrugalError("config_invalid", "a cache tier needs a name");
  const { name, store, scope } = options;
  const keyOf = (request: TierRequest): string =>
    cacheKey({ taskName: request.task.name, taskKind: request.task.kind, text: request.input.text, fields: request.fields, scope });

  return {
    name,
    kind: "cache",
    description: { kind: "cache", store: store.kind, scope },
    async answer(request) {
      const started = performance.now();
      const stored = await store.get(keyOf(request));
      if (stored === undefined) return null;
      const usage = zeroUsage("measured");
      usage.latencyMs = performance.now() - started;
      const { usage: _original, ...rest } = stored;
      void _original;
      return extend(rest, { tier: name, tierKind: "cache" as const, cachedFrom: stored.cachedFrom ?? stored.tier, usage });
    },
    async remember(request, answer) {
      if (answer.tierKind === "cache") return;
      await store.set(keyOf(request), answer);
    },
    async close() {
      await store.close();
    },
  };
}
