/**
 * Before a PoC measures anything: one small call to each LLM endpoint the pipelines use, through the same provider the run
 * will use. A dead port, a 500, a 429 or a hang fails here, in seconds, with one line naming the endpoint and what it
 * answered (exit 3), instead of a run whose every request fails and whose table then reads like a result.
 */
import { FrugalError, isFrugalError, toFrugalError } from "../core/errors.ts";
import type { SharedTierResources } from "../pipeline/build-tiers.ts";
import type { TiersConfig } from "../pipeline/config.ts";
import type { Provider } from "../providers/types.ts";

/** The longest a preflight call may take: long enough for a cold endpoint, short enough that a hang is found at once. */
export const PREFLIGHT_TIMEOUT_MS = 10_000;

export interface PreflightResult {
  tier: string;
  endpoint: string;
  model: string;
  latencyMs: number;
}

/** The URL without credentials (`https://user:secret@host/v1` → `https://host/v1`): messages never carry a secret. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username === "" && url.password === "") return raw;
    url.username = "";
    url.password = "";
    return url.toString().replace(/\/$/, "");
  } catch {
    return raw.replace(/\/\/[^/@]*@/, "//");
  }
}

export interface PreflightOptions {
  tiers: TiersConfig;
  /** The tiers some pipeline uses: a declared but unused tier is not called. */
  used: ReadonlySet<string>;
  resources: Pick<SharedTierResources, "providers" | "endpoints">;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function preflightEndpoints(options: PreflightOptions): Promise<PreflightResult[]> {
  const checks: Array<Promise<PreflightResult>> = [];
  for (const [name, tier] of Object.entries(options.tiers)) {
    // A local GGUF (llama-cpp) has no endpoint to be down: loading its file already failed loudly if it could not.
    if (tier.kind !== "llm" || tier.provider === "llama-cpp" || !options.used.has(name)) continue;
    const provider = options.resources.providers.get(name);
    const endpoint = options.resources.endpoints.get(name);
    if (provider === undefined || endpoint === undefined) continue; // modeled: nothing to call
    checks.push(check(name, endpoint.baseUrl, endpoint.servedModel, provider, Math.min(tier.timeout_ms, options.timeoutMs ?? PREFLIGHT_TIMEOUT_MS), options.signal));
  }
  return Promise.all(checks);
}

async function check(
  tier: string,
  baseUrl: string,
  model: string,
  provider: Provider,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<PreflightResult> {
  const started = performance.now();
  const shown = displayUrl(baseUrl);
  try {
    await provider.chat({ messages: [{ role: "user", content: "Reply with: ok" }], maxTokens: 1, temperature: 0, timeoutMs, ...(signal !== undefined ? { signal } : {}) });
  } catch (error) {
    const e = toFrugalError(error, "upstream_unavailable");
    if (e.code === "cancelled") throw e;
    // Exit 3 whatever the upstream said: the dependency failed, not the config (an upstream 401/404 is provider_error).
    const code = e.exitCode === 3 ? e.code : "upstream_unavailable";
    const answered = e.message.split(baseUrl).join(shown);
    throw new FrugalError(code, `LLM endpoint of tier ${tier} (${shown}, model "${model}") failed the preflight request: ${answered}`, {
      cause: error,
      details: { tier, endpoint: shown, model, preflight: true, ...(isFrugalError(error) ? { upstreamCode: error.code } : {}) },
    });
  }
  return { tier, endpoint: shown, model, latencyMs: performance.now() - started };
}
