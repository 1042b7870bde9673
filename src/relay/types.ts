/**
 * The relay's public contract, as the gateway uses it: requests carry the client's parsed body, results carry the
 * upstream's answer untouched (JSON as raw text plus its parse, streams as parsed SSE events the gateway serializes).
 */
import type { ErrorCode } from "../core/errors.ts";
import type { AbortLike } from "../providers/retry.ts";
import type { SseEvent } from "../providers/sse.ts";
import type { BreakerStateName } from "./breaker.ts";
import type { RouteConfig } from "./config.ts";

/** One place a route can send a request. Built once per route: results share these objects. */
export interface RelayTarget {
  readonly upstream: string;
  readonly model: string;
  readonly region: string | undefined;
  readonly onPrem: boolean;
}

export interface RelayRequest {
  /** The route's name: the `model` the client sent. */
  route: string;
  /** The client's parsed JSON body, sent as-is except `model` (and, for streams, `stream_options.include_usage`). */
  body: Record<string, unknown>;
  /**
   * The client's connection: its abort stops the upstream request at once. An AbortSignal works; an EventEmitter-based
   * handle (e.g. `CallAbort` from src/providers/openai-compatible/call.ts, aborted on the response's `close`) is much
   * cheaper: on Node 20 the first abort listener on a fresh AbortSignal costs tens of microseconds (bench/relay-overhead.ts).
   */
  signal: AbortLike;
  /** Only targets it accepts are tried (e.g. on-prem only for a PII `local_only` policy). */
  allow?: (target: RelayTarget) => boolean;
}

export interface RelayUsage {
  inputTokens: number;
  outputTokens: number;
}

/** A whole JSON answer: a 2xx, or an upstream 4xx (the client's request is wrong) passed back unchanged. */
export interface RelayJsonResult {
  kind: "json";
  status: number;
  /** The upstream body, parsed. A 4xx whose body was not JSON gets an OpenAI-shaped `{error:{message,...}}` instead. */
  body: unknown;
  /** The exact text of `body`, to send without stringifying again. */
  rawBody: string;
  target: RelayTarget;
  /** Upstream attempts made, over all targets (1 when the first one answered). */
  attempts: number;
  usage: RelayUsage | undefined;
  latencyMs: number;
}

/** An SSE event from the upstream. `usageOnly` marks the final usage chunk (`choices: []`). */
export interface RelaySseEvent extends SseEvent {
  usageOnly?: boolean;
}

export interface RelayStreamResult {
  kind: "stream";
  status: number;
  target: RelayTarget;
  attempts: number;
  /**
   * The upstream's events in order, iterable once. It ends normally only after a complete stream, and its last event
   * is then always `[DONE]` (data `"[DONE]"`, added when the upstream ended with a finish_reason but no `[DONE]`). A
   * stream cut mid-way (reset, truncated, timeout) ends with a thrown FrugalError; a client abort with `cancelled`.
   * Stopping the iteration early releases the upstream connection.
   */
  events: AsyncIterable<RelaySseEvent>;
  /** Whether the client asked for `stream_options.include_usage`; when not, the gateway drops the `usageOnly` event. */
  clientWantsUsage: boolean;
  /** Request start to the first event handed over (time to first token, as the client sees it). */
  firstEventMs: number;
  /** The usage chunk's counts, once it has been iterated past. */
  usage(): RelayUsage | undefined;
  /** Request start to the end of the stream; undefined while it runs. */
  latencyMs(): number | undefined;
}

export type RelayResult = RelayJsonResult | RelayStreamResult;

/** Callbacks for metrics; called synchronously on the request path, so keep them cheap. */
export type RelayEvent =
  | { type: "upstream_error"; route: string; upstream: string; model: string; code: ErrorCode; status: number | undefined }
  | { type: "breaker"; upstream: string; model: string; state: BreakerStateName }
  | { type: "retry"; route: string; upstream: string; model: string; delayMs: number }
  | { type: "fallback"; route: string; upstream: string; model: string; reason: ErrorCode | "breaker_open" };

export interface BreakerStatus {
  upstream: string;
  model: string;
  state: BreakerStateName;
  failures: number;
}

export interface RelayRouteInfo {
  readonly name: string;
  readonly strategy: RouteConfig["strategy"];
  readonly targets: readonly RelayTarget[];
  readonly config: RouteConfig;
}

export interface Relay {
  /** Whether `model` names a route (or any model goes through when a passthrough upstream is configured). */
  has(model: string): boolean;
  routeNames(): string[];
  /** A route's config and targets; for a name no route has, the passthrough route (name and model "*"), if any. */
  route(name: string): RelayRouteInfo | undefined;
  /** `/chat/completions`; a stream when `body.stream === true`. */
  chat(request: RelayRequest): Promise<RelayResult>;
  /** `/embeddings`. */
  embeddings(request: RelayRequest): Promise<RelayJsonResult>;
  breakerStates(): BreakerStatus[];
  close(): Promise<void>;
}
