/**
 * From the config's declared tiers to live ones. Heavy resources are made once and shared by every pipeline that names
 * the tier: a compact model is loaded (or trained, then cached by training-data hash) once, an LLM provider keeps one
 * connection pool. Tier objects themselves are made per pipeline, because a cache belongs to its pipeline and a modeled
 * LLM's latency depends on the rate that pipeline sends it.
 */
import { isAbsolute, resolve } from "node:path";
import { createMemoryStore } from "../cache/index.ts";
import { hashConfig } from "../cache/key.ts";
import { FrugalError, isFrugalError } from "../core/errors.ts";
import type { TaskSpec } from "../core/types.ts";
import type { CompactModel } from "../compact/types.ts";
import type { Meter } from "../meter/index.ts";
import { createProvider } from "../providers/index.ts";
import type { Provider } from "../providers/types.ts";
import { createCacheTier, createCompactTier, createLlmTier, type CascadeTier, type CascadeTierAnswer, type TierMeter } from "../tiers/index.ts";
import type { CompactLoader, LoadedCompactModel } from "./compact-loader.ts";
import { DEFAULT_ENDPOINT, type LlmTierConfig, type PipelineConfig, type TierConfig, type TiersConfig } from "./config.ts";
import { createPlannerEstimator } from "./tier-meter.ts";

export interface LlmEndpoint {
  baseUrl: string;
  servedModel: string;
  /** Where the served model's name came from (an env var, `tiers.<name>.endpoint.model`, or the tier's `model`). */
  servedModelFrom?: string;
}

export interface SharedTierResources {
  compact: Map<string, LoadedCompactModel>;
  providers: Map<string, Provider>;
  /** Per llm tier: the endpoint it measures against, or undefined when modeled. */
  endpoints: Map<string, LlmEndpoint | undefined>;
  /** Per modeled llm tier: what to set to measure it. */
  measuredHints: Map<string, string>;
  close(): Promise<void>;
}

/** What building tiers reads of a config: its declared tiers (poc.yaml and frugal.yaml both have them). */
export interface TiersDeclaration {
  tiers: TiersConfig;
}

export interface PrepareOptions {
  config: TiersDeclaration;
  baseDir: string;
  env: Record<string, string | undefined>;
  meter: Meter;
  compactLoader: CompactLoader;
  task: { kind: "classify" | "extract" };
  onTrainProgress?: (tier: string, done: number, total: number) => void;
}

const path = (baseDir: string, file: string): string => (isAbsolute(file) ? file : resolve(baseDir, file));

/** The tier's endpoint block, or the default one (every value from the FRUGAL_LLM_* environment variables). */
export function endpointConfig(tier: LlmTierConfig): NonNullable<LlmTierConfig["endpoint"]> {
  return tier.endpoint ?? DEFAULT_ENDPOINT;
}

export function measuredHint(tier: LlmTierConfig): string {
  const e = endpointConfig(tier);
  return `set ${e.base_url_env} (an OpenAI-compatible base URL, …/v1), with ${e.model_env} and ${e.api_key_env} as needed, to measure this tier`;
}

function endpointOf(name: string, tier: LlmTierConfig, env: Record<string, string | undefined>): LlmEndpoint | undefined {
  const e = endpointConfig(tier);
  const baseUrl = e.base_url ?? env[e.base_url_env];
  if (baseUrl === undefined || baseUrl.trim() === "") return undefined;
  const fromEnv = env[e.model_env]?.trim();
  const [servedModel, servedModelFrom] =
    e.model !== undefined ? [e.model, `tiers.${name}.endpoint.model`] : fromEnv !== undefined && fromEnv !== "" ? [fromEnv, e.model_env] : [tier.model, `tiers.${name}.model`];
  return { baseUrl: baseUrl.trim(), servedModel: servedModel.trim() || tier.model, servedModelFrom };
}

/**
 * The model an llm tier's tokens are priced as: the one its endpoint serves (what is billed), not the YAML `model` key,
 * which only names it when nothing is served (a modeled tier) or no other name was given.
 */
export function pricedModelOf(name: string, tier: LlmTierConfig, resources: Pick<SharedTierResources, "endpoints">): string {
  if (tier.provider === "llama-cpp") return tier.model;
  return resources.endpoints.get(name)?.servedModel ?? tier.model;
}

/** Loads/trains compact models and opens providers, once for the whole run. */
export async function prepareTierResources(options: PrepareOptions): Promise<SharedTierResources> {
  const { config, baseDir, env } = options;
  const compact = new Map<string, LoadedCompactModel>();
  const providers = new Map<string, Provider>();
  const endpoints = new Map<string, LlmEndpoint | undefined>();
  const measuredHints = new Map<string, string>();
  const resources: SharedTierResources = {
    compact,
    providers,
    endpoints,
    measuredHints,
    async close() {
      for (const provider of providers.values()) await provider.close().catch(() => undefined);
    },
  };
  try {
    for (const [name, tier] of Object.entries(config.tiers)) {
      if (tier.kind === "compact") {
        const loaded =
          tier.model !== undefined
            ? options.compactLoader.load({ file: path(baseDir, tier.model), kind: options.task.kind })
            : await options.compactLoader.trainOrReuse({
                kind: options.task.kind,
                data: path(baseDir, (tier.train as NonNullable<typeof tier.train>).data),
                ...(tier.train?.text !== undefined ? { textCol: tier.train.text } : {}),
                ...(tier.train?.label !== undefined ? { labelCol: tier.train.label } : {}),
                cacheDir: path(baseDir, tier.train?.cache_dir ?? resolve(process.cwd(), ".frugal/models")),
                onProgress: (done, total) => options.onTrainProgress?.(name, done, total),
              });
        if (loaded.model.kind !== options.task.kind) {
          throw new FrugalError("config_invalid", `tiers.${name}: the compact model is a ${loaded.model.kind} model, the task is ${options.task.kind}`, { details: { keyPath: `tiers.${name}` } });
        }
        compact.set(name, loaded);
      } else if (tier.kind === "llm") {
        // Both backends through the providers' one factory, which validates their options (errors name the tier).
        const source = `tiers.${name}`;
        if (tier.provider === "llama-cpp") {
          const modelPath = path(baseDir, tier.model_path as string);
          const options = { modelPath, timeoutMs: tier.timeout_ms, temperature: tier.temperature, ...(tier.max_tokens !== undefined ? { maxTokens: tier.max_tokens } : {}) };
          providers.set(name, createProvider({ type: "llama-cpp", ...options }, { source }));
          endpoints.set(name, { baseUrl: `file:${tier.model_path as string}`, servedModel: tier.model });
          continue;
        }
        const endpoint = endpointOf(name, tier, env);
        endpoints.set(name, endpoint);
        if (endpoint === undefined) {
          measuredHints.set(name, measuredHint(tier));
          continue;
        }
        // The key stays optional here (a local vLLM needs none): the variable is named only when it is set.
        const apiKeyEnv = endpointConfig(tier).api_key_env;
        const hasKey = (env[apiKeyEnv] ?? "").trim() !== "";
        const options = { baseUrl: endpoint.baseUrl, model: endpoint.servedModel, timeoutMs: tier.timeout_ms, maxRetries: tier.max_retries, retryBaseMs: tier.retry_base_ms };
        providers.set(name, createProvider({ type: "openai-compatible", ...options, ...(hasKey ? { apiKeyEnv } : {}) }, { env, source }));
      }
    }
  } catch (error) {
    await resources.close();
    throw error;
  }
  return resources;
}

export interface PipelineTierOptions {
  config: TiersDeclaration;
  pipeline: PipelineConfig;
  task: TaskSpec;
  resources: SharedTierResources;
  meter: Meter;
  tierMeter: TierMeter;
  /** Requests per second the pipeline receives (open loop), for the modeled LLM's load. */
  pipelineRate: number | undefined;
  /** Share of this pipeline's requests that reached a tier so far, by tier name (updated by the runner). */
  reachShare: (tier: string) => number;
}

/** A price the meter cannot find is a config error here, before any request: a silent $0 would flatter the chain. */
export function checkPrice(meter: Meter, tierName: string, model: string, endpoint?: LlmEndpoint): void {
  try {
    meter.resolvePrice(model);
  } catch (error) {
    if (!isFrugalError(error)) throw error;
    const from = endpoint?.servedModelFrom;
    if (from === undefined || from === `tiers.${tierName}.model`) throw new FrugalError("config_invalid", `tiers.${tierName}.model: ${error.message}`, { cause: error, details: { keyPath: `tiers.${tierName}.model` } });
    const message =
      `tiers.${tierName}: the endpoint serves "${model}" (from ${from}), and cost is priced by the model served, ` +
      `not by tiers.${tierName}.model: ${error.message}`;
    throw new FrugalError("config_invalid", message, { cause: error, details: { keyPath: "prices.overrides", model, servedModelFrom: from } });
  }
}

function llmTier(name: string, tier: LlmTierConfig, options: PipelineTierOptions): CascadeTier {
  const provider = options.resources.providers.get(name);
  const pricing = tier.provider === "llama-cpp" ? "compute" : "tokens";
  const pricedModel = pricedModelOf(name, tier, options.resources);
  if (pricing === "tokens") checkPrice(options.meter, name, pricedModel, options.resources.endpoints.get(name));
  const common = {
    name,
    model: pricedModel,
    meter: options.tierMeter,
    temperature: tier.temperature,
    jsonSchema: tier.json_schema,
    pricing,
    ...(tier.max_tokens !== undefined ? { maxTokens: tier.max_tokens } : {}),
    ...(tier.modeled.output_tokens !== undefined ? { modeledOutputTokens: tier.modeled.output_tokens } : {}),
  } as const;
  if (provider !== undefined) return createLlmTier({ ...common, provider, timeoutMs: tier.timeout_ms });
  const estimator = createPlannerEstimator({
    model: tier.modeled.planner_model ?? tier.model,
    gpu: tier.modeled.gpu,
    precision: tier.modeled.precision,
    keyPath: `tiers.${name}.modeled${tier.modeled.planner_model === undefined ? " (set planner_model to a planner model id, e.g. llama-3.1-70b)" : ".planner_model"}`,
    rate: () => (options.pipelineRate === undefined ? undefined : options.pipelineRate * options.reachShare(name)),
  });
  return createLlmTier({ ...common, estimator });
}

/** The live tiers of one pipeline, in order; each cache is scoped by everything behind it. */
export function buildPipelineTiers(options: PipelineTierOptions): CascadeTier[] {
  const { config, pipeline } = options;
  const tiers: CascadeTier[] = [];
  const built = pipeline.tiers.map((name) => {
    const tier = config.tiers[name] as TierConfig;
    if (tier.kind === "compact") {
      const loaded = options.resources.compact.get(name) as LoadedCompactModel;
      return createCompactTier({
        name,
        model: loaded.model as CompactModel,
        meter: options.tierMeter,
        modelId: loaded.id,
        ...(tier.threshold !== undefined ? { threshold: tier.threshold } : {}),
        ...(tier.field_thresholds !== undefined ? { fieldThresholds: tier.field_thresholds } : {}),
      });
    }
    if (tier.kind === "llm") return llmTier(name, tier, options);
    return undefined;
  });
  pipeline.tiers.forEach((name, i) => {
    const tier = config.tiers[name] as TierConfig;
    if (tier.kind !== "cache") {
      tiers.push(built[i] as CascadeTier);
      return;
    }
    const behind = built.slice(i + 1).map((t) => t?.description ?? { kind: "cache" });
    const scope = hashConfig({ behind, task: options.task, escalation: pipeline.escalation });
    tiers.push(
      createCacheTier({
        name,
        store: createMemoryStore<CascadeTierAnswer>({ maxEntries: tier.max_entries, ...(tier.ttl_s !== undefined ? { ttlMs: tier.ttl_s * 1000 } : {}) }),
        scope,
      }),
    );
  });
  return tiers;
}
