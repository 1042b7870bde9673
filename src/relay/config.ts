/**
 * The relay's part of `frugal.yaml`: upstreams (OpenAI-compatible endpoints by name) and routes (a model name clients send,
 * mapped to an ordered list of upstream targets with retries, timeouts and a circuit breaker). Plain strict zod objects,
 * so the gateway embeds them in its own schema and the exported JSON Schema stays readable; the cross-references (a
 * target's upstream, duplicate route names) are checked by `checkRelayReferences`, which both schemas run.
 *
 * API keys only ever come from environment variables: a config names the variable, never the key.
 */
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
const ms = z.number().int().positive();

export const upstreamSchema = z
  .object({
    /** The API root with its version segment: `https://api.openai.com/v1`, `http://127.0.0.1:8000/v1`. */
    base_url: z.url({ protocol: /^https?$/ }),
    /** The environment variable holding the key, sent as a Bearer token. Named but unset: the config is invalid. */
    api_key_env: envName.optional(),
    /** Where the endpoint runs (ledgered, and read by data-residency policies). */
    region: z.string().min(1).optional(),
    /** Runs on the organisation's own hardware: PII `local_only` policies may send to it. */
    on_prem: z.boolean().default(false),
    /** Keep-alive connections kept open to the endpoint. */
    connections: z.number().int().positive().max(4096).default(64),
    /** Extra headers on every request (e.g. Azure's `api-key`, an OpenRouter referer). */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const routeTargetSchema = z
  .object({
    /** An upstream declared under `upstreams`. */
    upstream: z.string().min(1),
    /** The model name sent to that upstream (replaces the one the client sent). */
    model: z.string().min(1),
    /** Share of first attempts under the `weighted` strategy; ignored by `fallback`. */
    weight: z.number().positive().default(1),
  })
  .strict();

const TIMEOUTS_DEFAULT = { connect: 2_000, first_byte: 15_000, total: 60_000 };
const BREAKER_DEFAULT = { failures: 5, window_s: 30, cooldown_s: 15 };
const BACKOFF_DEFAULT = { base: 100, max: 2_000 };

export const routeSchema = z
  .object({
    /** The `model` clients send, e.g. `gpt-4o`. */
    name: z.string().trim().min(1),
    /** fallback: targets in order. weighted: the first target drawn by weight, the others as fallbacks in order. */
    strategy: z.enum(["fallback", "weighted"]).default("fallback"),
    targets: z.array(routeTargetSchema).min(1),
    /** Retries per target on retryable failures (429, 408, 5xx, connection errors, timeouts) before falling back. */
    retries: z.number().int().min(0).max(10).default(1),
    /** Full-jitter backoff; `max` also caps a Retry-After: a longer one is not waited for, the next target is tried. */
    backoff_ms: z.object({ base: z.number().int().min(0).default(100), max: z.number().int().min(0).default(2_000) }).strict().default(BACKOFF_DEFAULT),
    timeouts_ms: z
      .object({
        /** TCP (+TLS) connect, per connection. */
        connect: ms.default(TIMEOUTS_DEFAULT.connect),
        /**
         * Per attempt, until the response headers (JSON) or the first SSE event (streams). Most servers send a
         * non-streamed answer's headers only once it is generated, so for JSON requests this bounds the generation too.
         */
        first_byte: ms.default(TIMEOUTS_DEFAULT.first_byte),
        /** The whole request: every attempt, wait and fallback, and a stream until its end. */
        total: ms.default(TIMEOUTS_DEFAULT.total),
      })
      .strict()
      .default(TIMEOUTS_DEFAULT),
    /** Per target: open after `failures` failed attempts within `window_s`; after `cooldown_s` one probe goes through. */
    breaker: z
      .object({
        failures: z.number().int().positive().default(BREAKER_DEFAULT.failures),
        window_s: z.number().positive().default(BREAKER_DEFAULT.window_s),
        cooldown_s: z.number().positive().default(BREAKER_DEFAULT.cooldown_s),
      })
      .strict()
      .default(BREAKER_DEFAULT),
  })
  .strict();

export type UpstreamConfig = z.output<typeof upstreamSchema>;
export type UpstreamConfigInput = z.input<typeof upstreamSchema>;
export type RouteTargetConfig = z.output<typeof routeTargetSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type RouteConfigInput = z.input<typeof routeSchema>;

interface IssueSink {
  addIssue(issue: { code: "custom"; path: PropertyKey[]; message: string }): void;
}

/**
 * Unknown upstreams and duplicate route names, reported with their key path. Exported so a schema that embeds
 * `upstreams`/`routes` under other keys can run the same check from its own superRefine (pass its `prefix`).
 */
export function checkRelayReferences(
  config: { upstreams: Record<string, unknown>; routes: ReadonlyArray<{ name: string; targets: ReadonlyArray<{ upstream: string }> }> },
  ctx: IssueSink,
  prefix: PropertyKey[] = [],
): void {
  const declared = Object.keys(config.upstreams);
  const seen = new Set<string>();
  config.routes.forEach((route, r) => {
    if (seen.has(route.name)) ctx.addIssue({ code: "custom", path: [...prefix, "routes", r, "name"], message: `duplicate route "${route.name}"` });
    seen.add(route.name);
    route.targets.forEach((target, t) => {
      if (!Object.hasOwn(config.upstreams, target.upstream)) {
        ctx.addIssue({
          code: "custom",
          path: [...prefix, "routes", r, "targets", t, "upstream"],
          message: `unknown upstream "${target.upstream}" (declared: ${declared.join(", ") || "none"})`,
        });
      }
    });
  });
}

export const relayConfigSchema = z
  .object({
    upstreams: z.record(z.string().min(1), upstreamSchema),
    routes: z.array(routeSchema),
  })
  .strict()
  .superRefine((config, ctx) => checkRelayReferences(config, ctx));

export type RelayConfig = z.output<typeof relayConfigSchema>;
export type RelayConfigInput = z.input<typeof relayConfigSchema>;

export function validateRelayConfig(value: unknown, source = "relay config"): RelayConfig {
  return validateConfig(relayConfigSchema, value, source);
}

/**
 * Each upstream's API key, read once from `env`. A variable that is named but unset (or blank) fails like any bad field,
 * with its key path; the error names the variable, never a value.
 */
export function resolveApiKeys(upstreams: Record<string, UpstreamConfig>, env: Record<string, string | undefined>, source: string): Map<string, string | undefined> {
  const keys = new Map<string, string | undefined>();
  for (const [name, upstream] of Object.entries(upstreams)) {
    const variable = upstream.api_key_env;
    if (variable === undefined) {
      keys.set(name, undefined);
      continue;
    }
    const value = env[variable]?.trim() ?? "";
    if (value === "") {
      const keyPath = `upstreams.${name}.api_key_env`;
      throw new FrugalError("config_invalid", `${source}: ${keyPath}: ${variable} is not set in the environment`, {
        details: { file: source, keyPath, env: variable },
      });
    }
    keys.set(name, value);
  }
  return keys;
}
