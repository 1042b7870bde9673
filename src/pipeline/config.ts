/**
 * What the PoC (`poc.yaml`) and the gateway (`frugal.yaml`) declare alike: a task's output contract, tiers by name and
 * pipelines as ordered tier names with their escalation policy. One definition, so a pipeline and threshold the PoC
 * recommended is served as-is. Paths are relative to the config file.
 */
import { z } from "zod";

export const name = z.string().trim().min(1).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "use letters, digits, '_', '.', '-'");
export const positiveInt = z.number().int().positive();
export const probability = z.number().min(0).max(1);

/** A task's contract: what must be answered, independent of where examples come from. */
export const taskContractShape = {
  name,
  kind: z.enum(["classify", "extract"]),
  /** classify: the label set, inline or as a JSON array file. Default: the dataset's and the compact model's labels. */
  labels: z.union([z.array(z.string().min(1)).min(2), z.string().min(1)]).optional(),
  /** extract: the fields. Default: the keys of the dataset's fields objects, or the compact extractor's fields. */
  fields: z.array(z.string().min(1)).min(1).optional(),
  /** The prompt template of LLM tiers: {{text}}, {{labels}}, {{fields}}. Default: a built-in one per kind. */
  prompt: z.string().min(1).optional(),
};

const cacheTierSchema = z
  .object({
    kind: z.literal("cache"),
    max_entries: positiveInt.default(100_000),
    ttl_s: z.number().positive().optional(),
  })
  .strict();

const trainSchema = z
  .object({
    /** Training data, relative to the yaml file. */
    data: z.string().min(1),
    text: z.string().min(1).optional(),
    label: z.string().min(1).optional(),
    /** Where the trained model is kept; reused while the training data's hash matches. Default: .frugal/models/. */
    cache_dir: z.string().min(1).optional(),
  })
  .strict();

const compactTierSchema = z
  .object({
    kind: z.literal("compact"),
    /** A model file written by `frugal train`. */
    model: z.string().min(1).optional(),
    /** Or training data: the model is trained first (and cached). */
    train: trainSchema.optional(),
    /** Override the model's stored error-bounded threshold (classify) or every field's (extract). */
    threshold: probability.optional(),
    /** extract: per-field threshold overrides. */
    field_thresholds: z.record(z.string().min(1), probability).optional(),
  })
  .strict()
  .refine((t) => (t.model === undefined) !== (t.train === undefined), { message: "a compact tier needs exactly one of `model` or `train`" });

export const endpointSchema = z
  .object({
    /** The OpenAI-compatible base URL (…/v1). Default: read from the env var named by base_url_env. */
    base_url: z.string().url().optional(),
    base_url_env: z.string().min(1).default("FRUGAL_LLM_BASE_URL"),
    /** The model name the endpoint serves. Default: the env var named by model_env, else the tier's `model`. */
    model: z.string().min(1).optional(),
    model_env: z.string().min(1).default("FRUGAL_LLM_MODEL"),
    /** The API key is only ever read from the environment. */
    api_key_env: z.string().min(1).default("FRUGAL_LLM_API_KEY"),
  })
  .strict();

/** The endpoint block a tier gets when it names none: every value from the environment variables above. */
export const DEFAULT_ENDPOINT = endpointSchema.parse({});

const modeledSchema = z
  .object({
    /** The planner's model id (e.g. llama-3.1-70b). Default: the tier's model. */
    planner_model: z.string().min(1).optional(),
    gpu: z.string().min(1).default("h100-sxm"),
    precision: z.string().min(1).default("bf16"),
    /** Output tokens assumed per answer. Default: the labels' mean token length + 1, or 12 per field + 2. */
    output_tokens: positiveInt.optional(),
  })
  .strict();

const llmTierSchema = z
  .object({
    kind: z.literal("llm"),
    /** The model as the price catalog knows it (prices.overrides for any other). */
    model: z.string().min(1),
    provider: z.enum(["openai-compatible", "llama-cpp"]).default("openai-compatible"),
    endpoint: endpointSchema.optional(),
    /** llama-cpp: the GGUF file, relative to the yaml file. */
    model_path: z.string().min(1).optional(),
    timeout_ms: positiveInt.default(30_000),
    max_retries: z.number().int().min(0).max(10).default(2),
    retry_base_ms: positiveInt.default(200),
    max_tokens: positiveInt.optional(),
    temperature: z.number().min(0).max(2).default(0),
    /** classify: ask for {"label": …} under a JSON schema (servers that support response_format). */
    json_schema: z.boolean().default(false),
    /** Where the endpoint runs (a cloud region, a data centre), recorded in the gateway's ledger for every answer. */
    region: z.string().min(1).optional(),
    /** The endpoint runs on premises: a `local_only` PII policy may send sensitive prompts to it (llama-cpp always is). */
    on_prem: z.boolean().default(false),
    /** How the tier is modeled when it has no endpoint. */
    modeled: modeledSchema.default({ gpu: "h100-sxm", precision: "bf16" }),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.provider === "llama-cpp" && t.model_path === undefined) ctx.addIssue({ code: "custom", path: ["model_path"], message: "a llama-cpp tier needs model_path" });
  });

export const tierSchema = z.discriminatedUnion("kind", [cacheTierSchema, compactTierSchema, llmTierSchema]);

export const ruleSchema = z
  .object({
    name: z.string().min(1).optional(),
    min_chars: positiveInt.optional(),
    max_chars: positiveInt.optional(),
    /** A JavaScript regular expression, matched against the input text. */
    pattern: z.string().min(1).optional(),
    tag: z.string().min(1).optional(),
    /** The tier matching requests go straight to. */
    route: z.string().min(1),
  })
  .strict();

export const escalationSchema = z
  .object({
    rules: z.array(ruleSchema).default([]),
    fallback_on_error: z.boolean().default(true),
    on_exhausted: z.enum(["fail", "best_effort"]).default("fail"),
    /** Per-tier deadline in ms, by tier name. */
    timeouts_ms: z.record(z.string().min(1), positiveInt).default({}),
    /** extract: prompt reduction for escalated fields. */
    context: z.object({ top_lines: positiveInt.default(3), window: z.number().int().min(0).default(1) }).strict().default({ top_lines: 3, window: 1 }),
  })
  .strict();

export const pipelineSchema = z
  .object({
    name,
    tiers: z.array(z.string().min(1)).min(1),
    escalation: escalationSchema.default({ rules: [], fallback_on_error: true, on_exhausted: "fail", timeouts_ms: {}, context: { top_lines: 3, window: 1 } }),
  })
  .strict();

type Ctx = z.RefinementCtx;

/** Cross-references between declared tiers and pipelines: unknown tiers, repeats, rules and timeouts naming other tiers. */
export function checkPipelines(tierNames: readonly string[], pipelines: readonly PipelineConfig[], ctx: Ctx, at: (string | number)[] = ["pipelines"]): void {
  const seen = new Set<string>();
  pipelines.forEach((pipeline, p) => {
    if (seen.has(pipeline.name)) ctx.addIssue({ code: "custom", path: [...at, p, "name"], message: `duplicate pipeline name "${pipeline.name}"` });
    seen.add(pipeline.name);
    pipeline.tiers.forEach((tier, t) => {
      if (!tierNames.includes(tier)) ctx.addIssue({ code: "custom", path: [...at, p, "tiers", t], message: `unknown tier "${tier}" (declared: ${tierNames.join(", ")})` });
    });
    if (new Set(pipeline.tiers).size !== pipeline.tiers.length) ctx.addIssue({ code: "custom", path: [...at, p, "tiers"], message: "a tier appears twice" });
    pipeline.escalation.rules.forEach((rule, r) => {
      if (!pipeline.tiers.includes(rule.route)) {
        ctx.addIssue({ code: "custom", path: [...at, p, "escalation", "rules", r, "route"], message: `"${rule.route}" is not a tier of this pipeline` });
      }
      if (rule.pattern !== undefined) {
        try {
          new RegExp(rule.pattern);
        } catch {
          ctx.addIssue({ code: "custom", path: [...at, p, "escalation", "rules", r, "pattern"], message: "not a valid regular expression" });
        }
      }
    });
    for (const tierName of Object.keys(pipeline.escalation.timeouts_ms)) {
      if (!pipeline.tiers.includes(tierName)) ctx.addIssue({ code: "custom", path: [...at, p, "escalation", "timeouts_ms", tierName], message: "not a tier of this pipeline" });
    }
  });
}

export type TierConfig = z.output<typeof tierSchema>;
export type TiersConfig = Record<string, TierConfig>;
export type LlmTierConfig = Extract<TierConfig, { kind: "llm" }>;
export type CompactTierConfig = Extract<TierConfig, { kind: "compact" }>;
export type PipelineConfig = z.output<typeof pipelineSchema>;
