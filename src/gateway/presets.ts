/**
 * Configs `frugal serve` can start from without a frugal.yaml:
 * - `--demo`: the examples' tasks, `banking77` (classify) and `sroie` (extract), each a cache → compact → LLM chain, their
 *   compact models trained on first start and cached under the data dir; the LLM tier and a passthrough upstream for every
 *   other model come from FRUGAL_LLM_BASE_URL / FRUGAL_LLM_MODEL / FRUGAL_LLM_API_KEY, as in the PoC.
 * (`--from-poc` is read by the CLI, src/cli/commands/serve-from-poc.ts: the gateway never reads the PoC's files.)
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { GatewayConfigInput } from "./config.ts";

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), "../../examples");

const DEMO_LLM = {
  kind: "llm" as const,
  model: "llama-3.1-70b-instruct-turbo",
  timeout_ms: 30_000,
  max_retries: 2,
  modeled: { planner_model: "llama-3.1-70b" },
};

export function demoConfig(env: Record<string, string | undefined>, dataDir: string): { config: GatewayConfigInput; baseDir: string } {
  const hasLlm = (env.FRUGAL_LLM_BASE_URL ?? "").trim() !== "";
  const hasKey = (env.FRUGAL_LLM_API_KEY ?? "").trim() !== "";
  const cacheDir = resolve(dataDir, "models");
  const config: GatewayConfigInput = {
    tiers: {
      cache: { kind: "cache" },
      "banking77-compact": { kind: "compact", train: { data: "banking77/train.csv", text: "text", label: "category", cache_dir: cacheDir } },
      "sroie-extractor": { kind: "compact", train: { data: "sroie/train-split.jsonl", cache_dir: cacheDir } },
      "banking77-llm": { ...DEMO_LLM, max_tokens: 16 },
      "sroie-llm": { ...DEMO_LLM, max_tokens: 200, timeout_ms: 60_000 },
    },
    tasks: [
      { name: "banking77", kind: "classify", labels: "banking77/categories.json", tiers: ["cache", "banking77-compact", "banking77-llm"] },
      { name: "sroie", kind: "extract", fields: ["company", "date", "address", "total"], tiers: ["cache", "sroie-extractor", "sroie-llm"] },
    ],
    ...(hasLlm
      ? {
          upstreams: { llm: { base_url: (env.FRUGAL_LLM_BASE_URL ?? "").trim(), ...(hasKey ? { api_key_env: "FRUGAL_LLM_API_KEY" } : {}) } },
          passthrough: { upstream: "llm" },
        }
      : {}),
  };
  return { config, baseDir: EXAMPLES };
}
