/**
 * The relay: OpenAI-compatible pass-through with routes, fallbacks, weights, retries, circuit breakers and timeouts.
 * The gateway (src/gateway) is its caller; the config schemas are embedded in frugal.yaml.
 */
export { createRelay, type CreateRelayOptions } from "./relay.ts";
/** The cheap abort handle to pass as `signal` (abort it on the client response's `close`). */
export { CallAbort } from "../providers/openai-compatible/call.ts";
export {
  checkRelayReferences,
  relayConfigSchema,
  resolveApiKeys,
  routeSchema,
  routeTargetSchema,
  upstreamSchema,
  validateRelayConfig,
  type RelayConfig,
  type RelayConfigInput,
  type RouteConfig,
  type RouteConfigInput,
  type RouteTargetConfig,
  type UpstreamConfig,
  type UpstreamConfigInput,
} from "./config.ts";
export type { BreakerStateName } from "./breaker.ts";
export type {
  BreakerStatus,
  Relay,
  RelayEvent,
  RelayJsonResult,
  RelayRequest,
  RelayResult,
  RelayRouteInfo,
  RelaySseEvent,
  RelayStreamResult,
  RelayTarget,
  RelayUsage,
} from "./types.ts";
