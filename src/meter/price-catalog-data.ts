/**
 * The built-in price catalog: list prices of common hosted models, USD per 1M tokens, standard (non-batch, non-cached)
 * rates. Each row names the public pricing page it comes from and the month the price was known to hold.
 *
 * Honesty note, printed in reports through `basis`: these prices were recalled from the vendors' pricing pages as they
 * stood in 2025 (the `asOf` of each row), not re-read on the day this catalog was written, and vendors change prices
 * without notice. Rows are deliberately few: only prices the author is confident of. Anything else goes in
 * `prices.overrides` (or a whole catalog file under `prices.catalog`), with its own source and date.
 */
import type { PriceCatalog, PriceRow } from "./types.ts";

const OPENAI = "https://openai.com/api/pricing/";
const AZURE = "https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/";
const ANTHROPIC = "https://www.anthropic.com/pricing#api";
const MISTRAL = "https://mistral.ai/pricing#api-pricing";
const TOGETHER = "https://www.together.ai/pricing";
const GROQ = "https://groq.com/pricing";
const FIREWORKS = "https://fireworks.ai/pricing";

function row(provider: string, model: string, input: number, output: number, source: string, asOf: string, extra: Partial<PriceRow> = {}): PriceRow {
  return { provider, model, inputUsdPer1M: input, outputUsdPer1M: output, source, asOf, ...extra };
}

const AZURE_NOTE = "Global Standard deployment, same as OpenAI's list price; Data Zone and Regional deployments cost more";
const REASONING_NOTE = "reasoning tokens are billed as output tokens";

export const BUILTIN_PRICE_CATALOG: PriceCatalog = {
  catalogVersion: "2025-10",
  basis:
    "list prices recalled from each vendor's public pricing page as of the row's asOf month (author's knowledge, not re-read when the catalog was written); check the source before quoting",
  rows: [
    // OpenAI
    row("openai", "gpt-4o", 2.5, 10, OPENAI, "2025-08"),
    row("openai", "gpt-4o-mini", 0.15, 0.6, OPENAI, "2025-08"),
    row("openai", "gpt-4.1", 2, 8, OPENAI, "2025-08"),
    row("openai", "gpt-4.1-mini", 0.4, 1.6, OPENAI, "2025-08"),
    row("openai", "gpt-4.1-nano", 0.1, 0.4, OPENAI, "2025-08"),
    row("openai", "o3", 2, 8, OPENAI, "2025-08", { note: `after the June 2025 price cut; ${REASONING_NOTE}` }),
    row("openai", "o4-mini", 1.1, 4.4, OPENAI, "2025-08", { note: REASONING_NOTE }),
    row("openai", "gpt-5", 1.25, 10, OPENAI, "2025-08", { note: REASONING_NOTE }),
    row("openai", "gpt-5-mini", 0.25, 2, OPENAI, "2025-08", { note: REASONING_NOTE }),
    row("openai", "gpt-5-nano", 0.05, 0.4, OPENAI, "2025-08", { note: REASONING_NOTE }),
    // Azure OpenAI: Global Standard deployments bill OpenAI's list price.
    row("azure-openai", "gpt-4o", 2.5, 10, AZURE, "2025-08", { note: AZURE_NOTE }),
    row("azure-openai", "gpt-4o-mini", 0.15, 0.6, AZURE, "2025-08", { note: AZURE_NOTE }),
    row("azure-openai", "gpt-4.1", 2, 8, AZURE, "2025-08", { note: AZURE_NOTE }),
    row("azure-openai", "gpt-4.1-mini", 0.4, 1.6, AZURE, "2025-08", { note: AZURE_NOTE }),
    // Anthropic
    row("anthropic", "claude-sonnet-4-5", 3, 15, ANTHROPIC, "2025-10", { aliases: ["claude-sonnet-4.5"], note: "prompts up to 200k tokens" }),
    row("anthropic", "claude-sonnet-4", 3, 15, ANTHROPIC, "2025-08", { aliases: ["claude-sonnet-4-0", "claude-4-sonnet"], note: "prompts up to 200k tokens" }),
    row("anthropic", "claude-haiku-4-5", 1, 5, ANTHROPIC, "2025-10", { aliases: ["claude-haiku-4.5"] }),
    row("anthropic", "claude-3-5-haiku", 0.8, 4, ANTHROPIC, "2025-08", { aliases: ["claude-3.5-haiku"] }),
    row("anthropic", "claude-opus-4-1", 15, 75, ANTHROPIC, "2025-08", { aliases: ["claude-opus-4.1"] }),
    // Mistral (la Plateforme)
    row("mistral", "mistral-large-latest", 2, 6, MISTRAL, "2025-06", { aliases: ["mistral-large", "mistral-large-2411"] }),
    row("mistral", "mistral-medium-latest", 0.4, 2, MISTRAL, "2025-06", { aliases: ["mistral-medium", "mistral-medium-3", "mistral-medium-2505"] }),
    row("mistral", "mistral-small-latest", 0.1, 0.3, MISTRAL, "2025-06", { aliases: ["mistral-small", "mistral-small-3.1", "mistral-small-2503"] }),
    // Llama on hosted open-model providers
    row("together", "meta-llama/meta-llama-3.1-70b-instruct-turbo", 0.88, 0.88, TOGETHER, "2025-06", { aliases: ["llama-3.1-70b-instruct-turbo"] }),
    row("together", "meta-llama/llama-3.3-70b-instruct-turbo", 0.88, 0.88, TOGETHER, "2025-06", { aliases: ["llama-3.3-70b-instruct-turbo"] }),
    row("together", "meta-llama/meta-llama-3.1-8b-instruct-turbo", 0.18, 0.18, TOGETHER, "2025-06", { aliases: ["llama-3.1-8b-instruct-turbo"] }),
    row("groq", "llama-3.3-70b-versatile", 0.59, 0.79, GROQ, "2025-06"),
    row("groq", "llama-3.1-8b-instant", 0.05, 0.08, GROQ, "2025-06"),
    row("fireworks", "accounts/fireworks/models/llama-v3p1-70b-instruct", 0.9, 0.9, FIREWORKS, "2025-06", {
      aliases: ["llama-v3p1-70b-instruct"],
      note: "Fireworks serverless tier for models above 16B parameters",
    }),
    row("fireworks", "accounts/fireworks/models/llama-v3p1-8b-instruct", 0.2, 0.2, FIREWORKS, "2025-06", {
      aliases: ["llama-v3p1-8b-instruct"],
      note: "Fireworks serverless tier for models of 4B-16B parameters",
    }),
  ],
};

/**
 * Default price of one CPU core-hour for the compact tier and CPU-run GGUF models. One "core" here is one vCPU (a hardware
 * thread), which is what process.cpuUsage() counts. AWS c7i.large (2 vCPU, 4 GiB), Linux on-demand, us-east-1:
 * $0.08925/hour, i.e. $0.0446 per vCPU-hour (memory included in the instance price).
 */
export const DEFAULT_CORE_HOUR = {
  usdPerHour: 0.08925 / 2,
  source: "AWS EC2 on-demand c7i.large (2 vCPU) us-east-1 Linux $0.08925/h ÷ 2 vCPU, https://aws.amazon.com/ec2/pricing/on-demand/",
  asOf: "2025-06",
} as const;
