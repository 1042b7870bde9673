/**
 * Routes at run time, built once from the validated config: targets bound to their upstream's pool and a shared
 * breaker, weights summed, retry settings resolved; and the per-request choice of the order targets are tried in.
 */
import { CircuitBreaker, type BreakerListener } from "./breaker.ts";
import type { RouteConfig } from "./config.ts";
import type { TargetRuntime } from "./attempt.ts";
import type { RelayEvent, RelayRouteInfo, RelayTarget } from "./types.ts";
import type { RelayUpstream } from "./upstream.ts";

export interface RouteRuntime {
  readonly info: RelayRouteInfo;
  readonly targets: readonly TargetRuntime[];
  readonly weighted: boolean;
  readonly totalWeight: number;
  /** Send the client's own `model` (the passthrough route) instead of the target's. */
  readonly keepClientModel: boolean;
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly firstByteMs: number;
  readonly totalMs: number;
}

export interface RouteBuildContext {
  upstreams: ReadonlyMap<string, RelayUpstream>;
  /** Breakers by target and settings, shared across routes. */
  breakers: Map<string, CircuitBreaker>;
  now: () => number;
  emit: ((event: RelayEvent) => void) | undefined;
}

function breakerFor(context: RouteBuildContext, upstream: string, model: string, settings: RouteConfig["breaker"]): CircuitBreaker {
  // Routes naming the same target with the same settings share one breaker: they see the same upstream health.
  const key = JSON.stringify([upstream, model, settings.failures, settings.window_s, settings.cooldown_s]);
  let breaker = context.breakers.get(key);
  if (breaker === undefined) {
    const emit = context.emit;
    const onChange: BreakerListener | undefined = emit === undefined ? undefined : (b, state) => emit({ type: "breaker", upstream: b.upstream, model: b.model, state });
    const windowMs = settings.window_s * 1000;
    breaker = new CircuitBreaker(upstream, model, { failures: settings.failures, windowMs, cooldownMs: settings.cooldown_s * 1000 }, context.now, onChange);
    context.breakers.set(key, breaker);
  }
  return breaker;
}

export function buildRoute(config: RouteConfig, context: RouteBuildContext, keepClientModel = false): RouteRuntime {
  const targets = config.targets.map((t): TargetRuntime => {
    const upstream = context.upstreams.get(t.upstream);
    // validateRelayConfig has checked every reference; reaching this is a bug.
    if (upstream === undefined) throw new Error(`route ${config.name}: upstream ${t.upstream} was not built`);
    const info: RelayTarget = Object.freeze({ upstream: t.upstream, model: t.model, region: upstream.region, onPrem: upstream.onPrem });
    const emit = context.emit;
    const onRetry =
      emit === undefined ? undefined : (retry: { delayMs: number }) => emit({ type: "retry", route: config.name, upstream: t.upstream, model: t.model, delayMs: retry.delayMs });
    return {
      route: config.name,
      info,
      weight: t.weight,
      upstream,
      pool: upstream.pool(config.timeouts_ms.connect),
      breaker: breakerFor(context, t.upstream, t.model, config.breaker),
      emit,
      onRetry,
    };
  });
  const info: RelayRouteInfo = Object.freeze({ name: config.name, strategy: config.strategy, targets: Object.freeze(targets.map((t) => t.info)), config });
  return {
    info,
    targets,
    weighted: config.strategy === "weighted" && targets.length > 1,
    totalWeight: targets.reduce((sum, t) => sum + t.weight, 0),
    keepClientModel,
    retries: config.retries,
    backoffBaseMs: config.backoff_ms.base,
    backoffMaxMs: config.backoff_ms.max,
    firstByteMs: config.timeouts_ms.first_byte,
    totalMs: config.timeouts_ms.total,
  };
}

/**
 * The index of the target tried first: 0 for `fallback`, drawn by weight for `weighted` (among allowed targets only,
 * when the request restricts them). The others follow in config order.
 */
export function firstTarget(route: RouteRuntime, allowed: readonly boolean[] | undefined, random: () => number): number {
  if (!route.weighted) return 0;
  const targets = route.targets;
  let total = route.totalWeight;
  if (allowed !== undefined) {
    total = 0;
    for (let i = 0; i < targets.length; i++) if (allowed[i] === true) total += targets[i]?.weight ?? 0;
    if (total === 0) return 0;
  }
  let r = random() * total;
  let last = 0;
  for (let i = 0; i < targets.length; i++) {
    if (allowed !== undefined && allowed[i] !== true) continue;
    last = i;
    r -= targets[i]?.weight ?? 0;
    if (r < 0) return i;
  }
  return last;
}

/** The k-th target to try, given the first: [first, 0, 1, ..., first-1, first+1, ...], with no array built. */
export function targetAt(k: number, first: number): number {
  if (k === 0) return first;
  return k - 1 < first ? k - 1 : k;
}
