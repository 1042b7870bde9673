/**
 * The `frugal.yaml` schema of `frugal serve`: one zod schema validates the file (errors name the key path) and exports the
 * JSON Schema editors use (schemas/frugal.schema.json). Tasks, tiers and escalation are the PoC's own definitions
 * (src/pipeline/config.ts), so a pipeline and threshold the PoC recommended is served as-is; upstreams and routes are the
 * relay's (src/relay/config.ts). Paths are relative to the yaml file.
 */
import { z } from "zod";
import { energyConfigSchema, pricesConfigSchema } from "../meter/config.ts";
import { checkPipelines, escalationSchema, name, positiveInt, taskContractShape, tierSchema } from "../pipeline/config.ts";
import { piiGuardOptionsSchema } from "../guard/index.ts";
import { checkRelayReferences, routeSchema, upstreamSchema } from "../relay/config.ts";
import { auditSchema } from "./audit/config.ts";
import { cacheStoreShape, COUNTERS_DEFAULT, countersStoreSchema, KEYS_DEFAULT, keysStoreSchema, LEDGER_DEFAULT, ledgerStoreSchema } from "./store-config.ts";

/** What is done with a request whose text holds personal data (src/guard finds it, locally). */
const piiSchema = z
  .object({
    /**
     * off: nothing is scanned. redact: values are replaced by placeholders before any tier or upstream sees them and put
     * back in the answer (streams included). block: 400 `pii_detected`. local_only: only on-prem tiers and upstreams
     * (compact models, a local GGUF, an endpoint marked on_prem) may answer. Counts by type (never values) are ledgered
     * whatever the policy, except off.
     */
    policy: z.enum(["off", "redact", "block", "local_only"]).default("off"),
  })
  .strict();

const PII_OFF = { policy: "off" } as const;

const taskSchema = z
  .object({
    ...taskContractShape,
    /** The tiers that answer, in order (declared under `tiers`), e.g. [cache, compact, big-llm]. */
    tiers: z.array(z.string().min(1)).min(1),
    escalation: escalationSchema.default({ rules: [], fallback_on_error: true, on_exhausted: "fail", timeouts_ms: {}, context: { top_lines: 3, window: 1 } }),
    pii: piiSchema.default(PII_OFF),
    /** Keep the (redacted) request and answer text in the ledger: opt-in, it feeds distillation later. */
    store_bodies: z.boolean().default(false),
    /** Score the registry's candidate model beside the served one on each request (no effect on answers): `frugal models list`. */
    shadow: z.boolean().default(true),
    /** Promote the candidate by itself once it has seen `min_shadow` requests and keeps more of them at the same ε. */
    auto_promote: z.object({ min_shadow: positiveInt.default(500) }).strict().optional(),
    /** Audit a share of the kept compact answers with the LLM tier, and guard the certified error bound (off when absent). */
    audit: auditSchema.optional(),
    /** Also answer from the semantic cache (`cache.semantic`): a verified paraphrase of an earlier input, same team and tags. */
    semantic_cache: z.boolean().default(false),
  })
  .strict();

const routePolicySchema = z
  .object({
    pii: piiSchema.default(PII_OFF),
    store_bodies: z.boolean().default(false),
    /** Reserve this many output tokens for a request that sets no max_tokens (budgets must price the worst case). */
    default_max_tokens: positiveInt.default(4096),
    /** Also answer from the semantic cache (`cache.semantic`): a verified paraphrase of an earlier request, same team, same parameters. */
    semantic_cache: z.boolean().default(false),
  })
  .strict();

const cacheSchema = z
  .object({
    /** The exact response cache: off, or on for deterministic requests (temperature 0, or a task). */
    enabled: z.boolean().default(true),
    max_bytes: positiveInt.default(64 * 1024 * 1024),
    ttl_s: z.number().positive().default(3600),
    /** Also cache answers sampled at temperature > 0 (a repeat then gets the same sample). */
    cache_sampled: z.boolean().default(false),
    /** Let teams share entries (by default a key is scoped to the team that asked). */
    share_across_teams: z.boolean().default(false),
    /**
     * The semantic cache (src/cache/semantic): a model from `frugal train cache` (path relative to this file) whose hit
     * threshold is certified for a maximum wrong-hit rate; routes opt in with `route_policies.<route>.semantic_cache`.
     * In memory, per team, bounded by `max_entries`.
     */
    semantic: z.object({ model: z.string().min(1), max_entries: positiveInt.default(10_000) }).strict().optional(),
    ...cacheStoreShape,
  })
  .strict();

const CACHE_DEFAULT = { enabled: true, max_bytes: 64 * 1024 * 1024, ttl_s: 3600, cache_sampled: false, share_across_teams: false, prefix: "frugal:cache:" };

export const gatewayConfigSchema = z
  .object({
    $schema: z.string().optional(),
    server: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8787),
        /** Larger bodies get 413. */
        body_limit_bytes: positiveInt.default(1024 * 1024),
        /** How long SIGTERM waits for in-flight requests before closing their connections. */
        drain_ms: positiveInt.default(10_000),
        /** An SSE comment is sent when a stream has been quiet this long, so proxies keep it open. */
        sse_keepalive_ms: positiveInt.default(15_000),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 8787, body_limit_bytes: 1024 * 1024, drain_ms: 10_000, sse_keepalive_ms: 15_000 }),
    /** Keys are required unless this is false (a local experiment): then requests are ledgered as team `anonymous`. */
    require_keys: z.boolean().default(true),
    tasks: z.array(taskSchema).default([]),
    tiers: z.record(name, tierSchema).default({}),
    upstreams: z.record(name, upstreamSchema).default({}),
    routes: z.array(routeSchema).default([]),
    /** Per route name: PII policy, body storage, reservation defaults. */
    route_policies: z.record(z.string().min(1), routePolicySchema).default({}),
    /** PII detection (src/guard, local): which built-in detectors run, and your own patterns (`{name, pattern, flags}`). */
    guard: piiGuardOptionsSchema.default({ patterns: [] }),
    /** Any other model name is sent, unchanged, to this upstream (with the default route policy). */
    passthrough: z.object({ upstream: name }).strict().optional(),
    cache: cacheSchema.default(CACHE_DEFAULT),
    /** Stores (src/gateway/store-config.ts): SQLite and memory by default; PostgreSQL and Redis to run several replicas. */
    ledger: ledgerStoreSchema.default(LEDGER_DEFAULT),
    keys: keysStoreSchema.default(KEYS_DEFAULT),
    counters: countersStoreSchema.default(COUNTERS_DEFAULT),
    prices: pricesConfigSchema.optional(),
    energy: energyConfigSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const tierNames = Object.keys(config.tiers);
    checkPipelines(
      tierNames,
      config.tasks.map((t) => ({ name: t.name, tiers: t.tiers, escalation: t.escalation })),
      ctx,
      ["tasks"],
    );
    checkRelayReferences(config, ctx);
    const upstreamNames = Object.keys(config.upstreams);
    const routeNames = new Set(config.routes.map((r) => r.name));
    const taken = new Set<string>();
    config.tasks.forEach((task, i) => {
      if (taken.has(task.name)) ctx.addIssue({ code: "custom", path: ["tasks", i, "name"], message: `duplicate task "${task.name}"` });
      if (routeNames.has(task.name)) ctx.addIssue({ code: "custom", path: ["tasks", i, "name"], message: `"${task.name}" is both a task and a route` });
      taken.add(task.name);
      if (task.semantic_cache && config.cache.semantic === undefined) {
        ctx.addIssue({ code: "custom", path: ["tasks", i, "semantic_cache"], message: "needs cache.semantic.model (a model from `frugal train cache`)" });
      }
      task.tiers.forEach((tierName, t) => {
        if (config.tiers[tierName]?.kind === "cache" && t !== 0) ctx.addIssue({ code: "custom", path: ["tasks", i, "tiers", t], message: "a cache tier must come first" });
      });
    });
    for (const routeName of Object.keys(config.route_policies)) {
      if (!routeNames.has(routeName)) ctx.addIssue({ code: "custom", path: ["route_policies", routeName], message: `no route named "${routeName}"` });
      if (config.route_policies[routeName]?.semantic_cache === true && config.cache.semantic === undefined) {
        ctx.addIssue({ code: "custom", path: ["route_policies", routeName, "semantic_cache"], message: "needs cache.semantic.model (a model from `frugal train cache`)" });
      }
    }
    if (config.passthrough !== undefined && !upstreamNames.includes(config.passthrough.upstream)) {
      ctx.addIssue({ code: "custom", path: ["passthrough", "upstream"], message: `unknown upstream "${config.passthrough.upstream}"` });
    }
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayTaskConfig = GatewayConfig["tasks"][number];
export type RoutePolicy = z.output<typeof routePolicySchema>;
export type PiiPolicy = z.output<typeof piiSchema>["policy"];

export const DEFAULT_ROUTE_POLICY: RoutePolicy = routePolicySchema.parse({});

export const GATEWAY_SCHEMA_ID = "https://frugal.dev/schemas/frugal.schema.json";
