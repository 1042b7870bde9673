/**
 * The relay: the pass-through side of `frugal serve`. A request for a route goes to its targets in order (the first one
 * drawn by weight for `weighted` routes), each retried on retryable failures with backoff and the server's Retry-After,
 * skipped while its circuit breaker is open; the first answer wins. The client's body goes upstream untouched but for
 * `model`, and the answer comes back untouched (raw JSON text, or SSE events for the gateway to serialize).
 *
 * Everything that can be decided from the config is decided in `createRelay`: zod validation, keys read from the
 * environment, pools, headers, paths, breakers and weights. A request allocates its call state, the body it sends,
 * and little else.
 */
import { extend } from "../core/objects.ts";
import { FrugalError, isFrugalError, type ErrorCode } from "../core/errors.ts";
import { cancelledError, retry } from "../providers/retry.ts";
import { BreakerOpenError, sendAttempt, shutdownError, type Opened, type TargetRuntime } from "./attempt.ts";
import type { CircuitBreaker } from "./breaker.ts";
import { RelayCall } from "./call.ts";
import { resolveApiKeys, routeSchema, validateRelayConfig, type RouteConfigInput, type UpstreamConfigInput } from "./config.ts";
import { buildRoute, firstTarget, targetAt, type RouteRuntime } from "./routes.ts";
import { RelayStream } from "./stream.ts";
import type { Relay, RelayEvent, RelayJsonResult, RelayRequest, RelayResult, RelayTarget } from "./types.ts";
import { RelayUpstream } from "./upstream.ts";

export interface CreateRelayOptions {
  upstreams: Record<string, UpstreamConfigInput>;
  routes: RouteConfigInput[];
  /** Where `api_key_env` variables are read (once, here). Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Any model that names no route goes, unchanged, to this upstream with default route settings. */
  passthrough?: { upstream: string };
  /** Metrics callback, called synchronously. */
  onEvent?: (event: RelayEvent) => void;
  /** Names the config in error messages (e.g. "frugal.yaml"). */
  source?: string;
  /** Clock of the breakers' windows and cooldowns, in ms (default performance.now); tests inject one. */
  now?: () => number;
  /** Weighted draws and backoff jitter (default Math.random); tests inject a seeded one. */
  random?: () => number;
}

const PASSTHROUGH = "*";

export function createRelay(options: CreateRelayOptions): Relay {
  const source = options.source ?? "relay config";
  const config = validateRelayConfig({ upstreams: options.upstreams, routes: options.routes }, source);
  if (options.passthrough !== undefined && !Object.hasOwn(config.upstreams, options.passthrough.upstream)) {
    throw new FrugalError("config_invalid", `${source}: passthrough.upstream: unknown upstream "${options.passthrough.upstream}"`, {
      details: { file: source, keyPath: "passthrough.upstream" },
    });
  }
  const keys = resolveApiKeys(config.upstreams, options.env ?? process.env, source);
  const upstreams = new Map<string, RelayUpstream>();
  for (const [name, upstream] of Object.entries(config.upstreams)) upstreams.set(name, new RelayUpstream(name, upstream, keys.get(name)));
  const breakers = new Map<string, CircuitBreaker>();
  const context = { upstreams, breakers, now: options.now ?? (() => performance.now()), emit: options.onEvent };
  const routes = new Map<string, RouteRuntime>();
  for (const route of config.routes) routes.set(route.name, buildRoute(route, context));
  const passthrough =
    options.passthrough === undefined
      ? undefined
      : buildRoute(routeSchema.parse({ name: PASSTHROUGH, targets: [{ upstream: options.passthrough.upstream, model: PASSTHROUGH }] }), context, true);
  const random = options.random ?? Math.random;
  const emit = options.onEvent;
  let closed = false;

  function routeFor(name: string): RouteRuntime {
    const route = routes.get(name) ?? passthrough;
    if (route === undefined) throw new FrugalError("not_found", `no route named "${name}"`, { details: { route: name } });
    return route;
  }

  /** The body for one target: the client's fields as they are, `model` replaced, usage asked for on streams. */
  function bodyFor(route: RouteRuntime, target: TargetRuntime, body: Record<string, unknown>, stream: boolean): string {
    const model = route.keepClientModel ? body.model : target.info.model;
    if (!stream) return JSON.stringify({ ...body, model });
    const asked = body.stream_options;
    const streamOptions = asked !== null && typeof asked === "object" ? extend(asked, { include_usage: true }) : { include_usage: true };
    return JSON.stringify(extend(body, { model, stream_options: streamOptions }));
  }

  /** What the result reports as its target: the configured one, or for the passthrough the client's model. */
  function reported(route: RouteRuntime, target: TargetRuntime, body: Record<string, unknown>): RelayTarget {
    if (!route.keepClientModel) return target.info;
    return { ...target.info, model: typeof body.model === "string" ? body.model : "" };
  }

  function exhausted(route: RouteRuntime, call: RelayCall, request: RelayRequest, skipped: number, retryInMs: number): FrugalError {
    const name = request.route;
    const last = call.lastError;
    const lastTarget = call.lastTarget;
    if (last === undefined || lastTarget === undefined) {
      if (skipped > 0) {
        return new FrugalError("upstream_unavailable", `route "${name}": every target's circuit breaker is open`, {
          retryAfterMs: retryInMs,
          details: { route: name, attempts: 0, breakersOpen: skipped },
        });
      }
      return new FrugalError("forbidden", `route "${name}": no target of this route is allowed for this request`, {
        details: { route: name, reason: "no_allowed_target", targets: route.targets.length },
      });
    }
    const code = last.code === "provider_timeout" || last.code === "rate_limited" || last.code === "provider_error" ? last.code : "upstream_unavailable";
    const tried = `${call.attempts} attempt${call.attempts === 1 ? "" : "s"}${skipped > 0 ? `, ${skipped} skipped (breaker open)` : ""}`;
    return new FrugalError(code, `route "${name}": no target answered (${tried}); last, ${lastTarget.upstream} (${lastTarget.model}): ${last.message}`, {
      cause: last,
      ...(last.retryAfterMs === undefined ? {} : { retryAfterMs: last.retryAfterMs }),
      details: {
        route: name,
        attempts: call.attempts,
        upstream: lastTarget.upstream,
        model: lastTarget.model,
        lastCode: last.code,
        ...(last.details.upstreamStatus === undefined ? {} : { upstreamStatus: last.details.upstreamStatus }),
      },
    });
  }

  /** Tries the route's targets in order until one answers; the opened answer and who gave it. */
  async function run(route: RouteRuntime, call: RelayCall, request: RelayRequest, path: "chat" | "embeddings", stream: boolean): Promise<{ target: TargetRuntime; opened: Opened }> {
    const targets = route.targets;
    const allow = request.allow;
    const allowed = allow === undefined ? undefined : targets.map((t) => allow(t.info));
    const first = firstTarget(route, allowed, random);
    let skipped = 0;
    let retryInMs = Number.POSITIVE_INFINITY;
    // The target just given up on: a `fallback` event is emitted when another one is actually tried.
    let left: { target: TargetRuntime; reason: ErrorCode | "breaker_open" } | undefined;
    for (let k = 0; k < targets.length; k++) {
      const i = targetAt(k, first);
      const target = targets[i];
      if (target === undefined || (allowed !== undefined && allowed[i] !== true)) continue;
      if (left !== undefined && emit !== undefined) {
        emit({ type: "fallback", route: request.route, upstream: left.target.info.upstream, model: left.target.info.model, reason: left.reason });
      }
      const body = bodyFor(route, target, request.body, stream);
      const upstreamPath = path === "chat" ? target.upstream.chatPath : target.upstream.embeddingsPath;
      try {
        const done = await retry(() => sendAttempt(call, target, body, upstreamPath, stream), {
          maxRetries: route.retries,
          baseMs: route.backoffBaseMs,
          maxDelayMs: route.backoffMaxMs,
          signal: call,
          deadline: call.deadline,
          random,
          ...(target.onRetry === undefined ? {} : { onRetry: target.onRetry }),
        });
        return { target, opened: done.value };
      } catch (thrown) {
        const error = call.fail(thrown, target.upstream);
        if (error.code === "cancelled" || call.timedOut) throw error;
        const breakerOpen = thrown instanceof BreakerOpenError;
        if (breakerOpen) {
          skipped++;
          retryInMs = Math.min(retryInMs, target.breaker.retryInMs());
        }
        left = { target, reason: breakerOpen ? "breaker_open" : error.code };
      }
    }
    throw exhausted(route, call, request, skipped, retryInMs);
  }

  async function relay(request: RelayRequest, path: "chat" | "embeddings"): Promise<RelayResult> {
    if (closed) throw new FrugalError("upstream_unavailable", "the relay is closed", { retryable: false });
    if (request.signal.aborted) throw cancelledError(request.signal);
    const route = routeFor(request.route);
    const stream = path === "chat" && request.body.stream === true;
    const call = new RelayCall(request.route, request.signal, route.totalMs, route.firstByteMs);
    let handedOver = false;
    try {
      const { target, opened } = await run(route, call, request, path, stream);
      const info = reported(route, target, request.body);
      if (opened.kind === "stream") {
        const asked = request.body.stream_options as { include_usage?: unknown } | null | undefined;
        handedOver = true;
        return new RelayStream(call, target, info, opened, asked?.include_usage === true);
      }
      const { status, body, rawBody, usage } = opened;
      return { kind: "json", status, body, rawBody, target: info, attempts: call.attempts, usage, latencyMs: performance.now() - call.startedAt };
    } catch (error) {
      if (closed && !(isFrugalError(error) && error.code === "cancelled")) throw shutdownError(request.route, error);
      throw error;
    } finally {
      // A stream ends its call when its iteration ends; everything else is over here.
      if (!handedOver) call.end();
    }
  }

  return {
    has: (model) => passthrough !== undefined || routes.has(model),
    routeNames: () => [...routes.keys()],
    route: (name) => routes.get(name)?.info ?? passthrough?.info,
    chat: (request) => relay(request, "chat"),
    embeddings: (request) => relay(request, "embeddings") as Promise<RelayJsonResult>,
    breakerStates: () => [...breakers.values()].map((b) => ({ upstream: b.upstream, model: b.model, state: b.state, failures: b.failures() })),
    async close() {
      closed = true;
      await Promise.all([...upstreams.values()].map((u) => u.close()));
    },
  };
}
