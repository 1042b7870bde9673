/**
 * The `poc.yaml` schema: one zod schema validates the file (errors name the key path) and exports the JSON Schema editors
 * use (schemas/poc.schema.json). Tiers are declared once, by name, and pipelines list tier names in order, so the
 * `dense` and `frugal` pipelines share literally the same LLM tier and compact model. Paths are relative to the yaml file.
 */
import { z } from "zod";
import { energyConfigSchema, pricesConfigSchema } from "../meter/config.ts";
import { checkPipelines, name, pipelineSchema, positiveInt, probability, taskContractShape, tierSchema } from "../pipeline/config.ts";

const datasetSchema = z
  .object({
    /** CSV (with a header) or JSONL, relative to the yaml file. */
    path: z.string().min(1),
    /** The input text column. */
    text: z.string().min(1).default("text"),
    /** classify: the gold label column. Default: `label`, or `category` (BANKING77) when there is no `label`. */
    label: z.string().min(1).optional(),
    /** extract: the column holding the gold fields object. */
    fields: z.string().min(1).default("fields"),
    /** The id column; default: the line number. */
    id: z.string().min(1).optional(),
    /** A column of comma-separated tags, matched by escalation rules. */
    tags: z.string().min(1).optional(),
    /** Use only the first N rows. */
    limit: positiveInt.optional(),
  })
  .strict();

const taskSchema = z
  .object({
    ...taskContractShape,
    dataset: datasetSchema,
    /** The headline quality metric. classify: accuracy or macro_f1; extract: field_exact_match (mean over fields). */
    metric: z.enum(["accuracy", "macro_f1", "field_exact_match"]).optional(),
  })
  .strict()
  .superRefine((task, ctx) => {
    if (task.metric === undefined) return;
    const ok = task.kind === "classify" ? task.metric !== "field_exact_match" : task.metric === "field_exact_match";
    if (!ok) ctx.addIssue({ code: "custom", path: ["metric"], message: `metric ${task.metric} does not apply to a ${task.kind} task` });
  });

/**
 * Repeated traffic, stated: by default every item is sent once (a cache then only hits true duplicates in the data). With
 * `repeat`, the request stream replays items, drawn once from the seed, so every pipeline sees the same stream.
 * zipf: item popularity ∝ 1/rank^exponent over a seeded ranking (web and support traffic are often near exponent 1);
 * cycle: every item once per pass, each pass reshuffled.
 */
const repeatSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("zipf"),
      exponent: z.number().positive().max(10).default(1.1),
      /** Requests per pipeline (or give `load.items`). */
      requests: positiveInt.optional(),
    })
    .strict(),
  z.object({ kind: z.literal("cycle"), requests: positiveInt.optional() }).strict(),
]);

const loadCommon = {
  /** How many requests per pipeline, at most the dataset's size unless `repeat` is set. Default: the dataset's size. */
  items: positiveInt.optional(),
  /** Or how long each pipeline runs (open loop: rate × duration requests). */
  duration_s: z.number().positive().optional(),
  /** Replay items (the same stream for every pipeline); absent: each item is sent at most once. */
  repeat: repeatSchema.optional(),
  /**
   * Requests sent first (the same items for every pipeline) and left out of every figure, cost included; what they cost is
   * reported apart (results.json `warmup`). They warm the JIT, connection pools and the OS's caches; the tiers' caches are
   * emptied after.
   */
  warmup: z.number().int().min(0).default(0),
  /** Seed of the arrival clock and of the item order. */
  seed: z.number().int().default(1),
  /** sequential: dataset order; shuffle: a seeded permutation. */
  order: z.enum(["sequential", "shuffle"]).default("shuffle"),
  /**
   * How long in-flight requests may finish after the schedule ends, in ms. Requests still in flight then count as failed
   * (timed out), with the time waited as their latency.
   */
  drain_ms: positiveInt.default(30_000),
};

export const loadSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("poisson"), rate: z.number().positive(), ...loadCommon }).strict(),
    z.object({ kind: z.literal("constant"), rate: z.number().positive(), ...loadCommon }).strict(),
    z.object({ kind: z.literal("closed"), concurrency: positiveInt, ...loadCommon }).strict(),
  ])
  .superRefine((load, ctx) => {
    if (load.items !== undefined && load.duration_s !== undefined) ctx.addIssue({ code: "custom", path: ["duration_s"], message: "give `items` or `duration_s`, not both" });
    if (load.kind === "closed" && load.duration_s !== undefined) ctx.addIssue({ code: "custom", path: ["duration_s"], message: "a closed loop runs `items` requests" });
    if (load.repeat?.requests !== undefined && (load.items !== undefined || load.duration_s !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["repeat", "requests"], message: "give the request count once: `repeat.requests`, `items` or `duration_s`" });
    }
  });

const sweepSchema = z
  .object({
    /** Thresholds to evaluate; default 0, 0.05, …, 1 plus the configured ones. */
    thresholds: z.array(probability).min(1).optional(),
    /**
     * When the LLM tier is modeled its quality is unknown. Set this to state an assumed LLM accuracy: the sweep then adds a
     * chain quality marked `modeled`. Unset: only the compact part's measured quality and coverage are reported.
     */
    assumed_llm_quality: probability.optional(),
  })
  .strict();

/**
 * The improvement loop (src/improve/improvement-loop.ts), run after the pipelines on a classify task: the training texts
 * (`train`, default: the first compact tier's `train.data`) replayed as traffic from a labeled seed, escalations answered by
 * `llm_tier` (default: the first llm tier) — or, when it has no endpoint, by the simulated labeler with `noise` — and the
 * served model scored on the PoC's dataset after each window.
 */
const improvementLoopSchema = z
  .object({
    enabled: z.boolean().default(false),
    seed_share: z.number().gt(0).lt(1).default(0.05),
    windows: z.number().int().min(1).max(100).default(6),
    noise: probability.default(0.05),
    epsilon: z.number().gt(0).lt(1).default(0.1),
    audit_share: probability.default(0.02),
    seed: z.number().int().default(1),
    train: z.object({ data: z.string().min(1), text: z.string().min(1).default("text"), label: z.string().min(1).default("label") }).strict().optional(),
    llm_tier: z.string().min(1).optional(),
  })
  .strict();

export const pocConfigSchema = z
  .object({
    $schema: z.string().optional(),
    name: name.optional(),
    task: taskSchema,
    tiers: z.record(name, tierSchema),
    pipelines: z.array(pipelineSchema).min(1),
    load: loadSchema,
    slo: z.object({ p95_ms: z.number().positive() }).strict(),
    /** The quality the recommended threshold must reach (task metric). */
    quality_target: probability,
    /**
     * The share of failed requests (no answer after retries and fallbacks, or timed out at the drain) above which a pipeline
     * stops the run: exit 4, a partial report, no comparison nor recommendation. Checked from 20 completed requests on, and
     * at the end.
     */
    failure_limit: probability.default(0.05),
    sweep: sweepSchema.default({}),
    improvement_loop: improvementLoopSchema.optional(),
    prices: pricesConfigSchema.optional(),
    energy: energyConfigSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => checkPipelines(Object.keys(config.tiers), config.pipelines, ctx));

export type PocConfig = z.output<typeof pocConfigSchema>;
export type PocConfigInput = z.input<typeof pocConfigSchema>;
export type { CompactTierConfig, LlmTierConfig, PipelineConfig, TierConfig } from "../pipeline/config.ts";
export type LoadConfig = PocConfig["load"];
export type RepeatConfig = NonNullable<LoadConfig["repeat"]>;

export const POC_SCHEMA_ID = "https://frugal.dev/schemas/poc.schema.json";
