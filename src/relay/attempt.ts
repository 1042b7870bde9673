/**
 * One attempt against one target: send the prepared body, then sort the answer into what the route does next.
 *
 *  - 2xx JSON: parsed once (usage read), returned with its raw text. A 2xx that is not JSON, or JSON that is no answer
 *    (neither `choices` nor `data`: e.g. an error object under a 200, as some proxies send), is a failed attempt.
 *  - 2xx SSE: the first event is read here, inside the attempt, so a stream that dies, stalls or starts with an event
 *    that is no JSON object before any byte reaches the client is still retried and falls back like any failed attempt;
 *    after it, the stream is the caller's.
 *  - 4xx other than 401/403/404/408/429: the client's request is wrong, not the upstream; returned as-is, no fallback.
 *  - 401/403/404: the gateway's credentials or target config are wrong for this upstream (the client chose neither):
 *    not retried, but the next target is tried.
 *  - 408, 429, 5xx, connection errors, timeouts: retryable (httpError / transportError decide), then fallback.
 *
 * Every verdict is booked on the target's breaker, and failures are reported through the relay's `onEvent`.
 */
import type { Dispatcher, Pool } from "undici";
import { FrugalError } from "../core/errors.ts";
import { httpError, malformedError } from "../providers/openai-compatible/errors.ts";
import { SSE_DONE, type SseEvent } from "../providers/sse.ts";
import type { CircuitBreaker } from "./breaker.ts";
import type { RelayCall } from "./call.ts";
import { SseReader } from "./sse-reader.ts";
import type { RelayEvent, RelayTarget, RelayUsage } from "./types.ts";
import type { RelayUpstream } from "./upstream.ts";

/** A route's target at run time; built once per route (breakers are shared by routes naming the same target). */
export interface TargetRuntime {
  readonly route: string;
  readonly info: RelayTarget;
  readonly weight: number;
  readonly upstream: RelayUpstream;
  readonly pool: Pool;
  readonly breaker: CircuitBreaker;
  readonly emit: ((event: RelayEvent) => void) | undefined;
  /** Prebuilt for the retry loop, so a retry allocates no closure (undefined without `onEvent`). */
  readonly onRetry: ((info: { delayMs: number }) => void) | undefined;
}

export interface OpenedJson {
  kind: "json";
  status: number;
  body: unknown;
  rawBody: string;
  usage: RelayUsage | undefined;
}

export interface OpenedStream {
  kind: "stream";
  status: number;
  /** The body's reader; the first event has been taken from it. */
  reader: SseReader;
  first: SseEvent;
}

export type Opened = OpenedJson | OpenedStream;

/** An upstream 4xx that the client caused, passed back instead of failing over. */
export function isClientError(status: number): boolean {
  return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 404 && status !== 408 && status !== 429;
}

/** Token counts as OpenAI reports them (`completion_tokens` is absent for embeddings). */
export function usageOf(body: unknown): RelayUsage | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const usage = (body as { usage?: unknown }).usage;
  if (usage === null || typeof usage !== "object") return undefined;
  const { prompt_tokens: input, completion_tokens: output } = usage as Record<string, unknown>;
  if (typeof input !== "number") return undefined;
  return { inputTokens: input, outputTokens: typeof output === "number" ? output : 0 };
}

/** A call cut by the relay's close() (a drain past its deadline): says so, and that another replica can take the retry. */
export function shutdownError(route: string, cause: unknown): FrugalError {
  return new FrugalError("upstream_unavailable", `route "${route}": the gateway is shutting down; retry the request`, { cause, retryAfterMs: 1_000, details: { route } });
}

/** Thrown (not retryable) when the target's breaker refuses the attempt: the route moves on without a request. */
export class BreakerOpenError extends FrugalError {
  constructor(target: TargetRuntime) {
    super("upstream_unavailable", `${target.info.upstream} (${target.info.model}): circuit breaker open`, {
      retryable: false,
      details: { upstream: target.info.upstream, model: target.info.model, breaker: target.breaker.state },
    });
  }
}

/**
 * Books a failed attempt: the breaker (unless the client left), the metrics callback, the call's last error. `opening`:
 * the attempt may hold the half-open probe (a stream that fails later has already booked its opening as a success).
 */
export function settleFailure(call: RelayCall, target: TargetRuntime, thrown: unknown, opening = true): FrugalError {
  call.firstByte();
  const error = call.fail(thrown, target.upstream);
  if (error.code === "cancelled") {
    if (opening) target.breaker.release();
    return error;
  }
  target.breaker.failure();
  call.lastError = error;
  call.lastTarget = target.info;
  const status = error.details.upstreamStatus;
  target.emit?.({
    type: "upstream_error",
    route: target.route,
    upstream: target.info.upstream,
    model: target.info.model,
    code: error.code,
    status: typeof status === "number" ? status : undefined,
  });
  return error;
}

/**
 * Whether an SSE event's data can be a JSON object: a framing check (first and last character), not a parse, so it costs
 * nothing per event; it catches what real upstreams send when they break (an HTML error page, a cut-off line).
 */
export function framedAsJsonObject(data: string): boolean {
  const text = data.charCodeAt(data.length - 1) === 125 ? data : data.trim();
  return text.charCodeAt(0) === 123 && text.charCodeAt(text.length - 1) === 125;
}

/** A 2xx body that answers: chat completions carry `choices`, embeddings `data`. */
function isAnswer(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const { choices, data } = value as { choices?: unknown; data?: unknown };
  return Array.isArray(choices) || Array.isArray(data);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A 4xx body as the client will get it: the upstream's JSON, or its text in OpenAI's error shape. */
function clientErrorBody(status: number, text: string): { body: unknown; rawBody: string } {
  const parsed = parseJson(text);
  if (parsed.ok && parsed.value !== null && typeof parsed.value === "object") return { body: parsed.value, rawBody: text };
  const body = { error: { message: text.trim() === "" ? `upstream answered ${status}` : text.trim(), type: "upstream_error", param: null, code: null } };
  return { body, rawBody: JSON.stringify(body) };
}

export async function sendAttempt(call: RelayCall, target: TargetRuntime, body: string, path: string, stream: boolean): Promise<Opened> {
  if (!target.breaker.allow()) throw new BreakerOpenError(target);
  const handle = call.beginAttempt();
  const upstream = target.upstream;
  let response: Dispatcher.ResponseData;
  try {
    const limit = call.remainingMs();
    response = await target.pool.request({
      path,
      method: "POST",
      headers: stream ? upstream.sseHeaders : upstream.jsonHeaders,
      body,
      signal: handle,
      headersTimeout: limit,
      bodyTimeout: limit,
    });
  } catch (error) {
    throw settleFailure(call, target, error);
  }
  const status = response.statusCode;
  try {
    if (stream && status < 300 && !isJsonType(response.headers["content-type"])) return await openStream(call, target, response.body, status);
    // Headers are the first byte of a JSON answer; the rest of it is bounded by the total deadline.
    call.firstByte();
    const text = await response.body.text();
    if (status >= 200 && status < 300) {
      const parsed = parseJson(text);
      if (!parsed.ok) throw malformedError(upstream.endpoint, "malformed JSON", text);
      if (!isAnswer(parsed.value)) throw malformedError(upstream.endpoint, "a 2xx JSON body that is no answer (no choices nor data)", text);
      target.breaker.success();
      return { kind: "json", status, body: parsed.value, rawBody: text, usage: usageOf(parsed.value) };
    }
    if (isClientError(status)) {
      target.breaker.success();
      return { kind: "json", status, ...clientErrorBody(status, text), usage: undefined };
    }
    throw httpError({ status, body: text, retryAfter: response.headers["retry-after"], endpoint: upstream.endpoint, apiKey: upstream.apiKey });
  } catch (error) {
    throw settleFailure(call, target, error);
  }
}

function isJsonType(value: string | string[] | undefined): boolean {
  return typeof value === "string" && value.includes("application/json");
}

async function openStream(call: RelayCall, target: TargetRuntime, body: Dispatcher.ResponseData["body"], status: number): Promise<OpenedStream> {
  const reader = new SseReader(body);
  try {
    await reader.fill();
  } catch (error) {
    await reader.close().catch(() => undefined);
    throw error;
  }
  const first = reader.shift();
  if (first === undefined) throw malformedError(target.upstream.endpoint, "an empty event stream", "");
  if (first.data !== SSE_DONE && !framedAsJsonObject(first.data)) {
    await reader.close().catch(() => undefined);
    throw malformedError(target.upstream.endpoint, "an SSE event that is not a JSON object", first.data);
  }
  call.firstByte();
  target.breaker.success();
  return { kind: "stream", status, reader, first };
}
