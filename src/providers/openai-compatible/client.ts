/**
 * The HTTP side of the provider: one undici Pool of keep-alive connections per endpoint, pre-built headers and body
 * prefix, and `execute`, which sends one chat-completions request with retries and the JSON-schema fallback ladder.
 */
import { Pool } from "undici";
import type { Dispatcher } from "undici";
import { FrugalError } from "../../core/errors.ts";
import type { ChatRequest } from "../types.ts";
import { retry } from "../retry.ts";
import { beginCall, CallAbort, type CallContext } from "./call.ts";
import { httpError } from "./errors.ts";
import { chatEndpoint, type ResolvedOpenAiCompatibleOptions } from "./options.ts";
import { buildBody, modelPrefix, type BodyParts, type SchemaMode } from "./wire.ts";

export type OpenResponse = Dispatcher.ResponseData;

export interface Executed<T> {
  value: T;
  /** Attempts over all rungs of the schema ladder. */
  attempts: number;
  mode: SchemaMode | undefined;
  /** performance.now() when the successful attempt's response headers arrived. */
  headersAt: number;
}

export interface ChatClient {
  /** The API root without its query string: what error messages name (never with credentials). */
  readonly endpoint: string;
  readonly apiKey: string | undefined;
  /** The configured model, answered when a request names none. */
  readonly model: string;
  readonly closed: boolean;
  begin(request: ChatRequest): CallContext;
  /** Sends the request (retrying what is retryable) and hands a 2xx response to `consume`, inside the retry loop. */
  execute<T>(call: CallContext, request: ChatRequest, stream: boolean, consume: (response: OpenResponse) => Promise<T>): Promise<Executed<T>>;
  close(): Promise<void>;
}

/** The next rung when a server refused a structured-output request with a 400/422. */
function nextMode(error: FrugalError, mode: SchemaMode | undefined, ladder: boolean): SchemaMode | undefined {
  if (!ladder || error.code !== "provider_error") return undefined;
  const status = error.details.upstreamStatus;
  if (status !== 400 && status !== 422) return undefined;
  if (mode === "json_schema") return "json_object";
  if (mode === "json_object") return "prompt";
  return undefined;
}

export function createChatClient(o: ResolvedOpenAiCompatibleOptions): ChatClient {
  const { origin, path } = chatEndpoint(o.baseUrl);
  // Named in errors and ids: origin and path only, so neither `user:pass@` nor a query string ever reaches a log.
  const endpoint = `${origin}${new URL(o.baseUrl).pathname.replace(/\/+$/, "")}`;
  const apiKey = o.apiKey;
  // pipelining 1: a slow generation must never hold up another request queued behind it on the same socket.
  const pool = new Pool(origin, { connections: o.connections, pipelining: 1 });
  const base: Record<string, string> = { "content-type": "application/json" };
  if (apiKey !== undefined) base.authorization = `Bearer ${apiKey}`;
  const jsonHeaders = { ...base, accept: "application/json", ...o.headers };
  const sseHeaders = { ...base, accept: "text/event-stream", ...o.headers };
  const parts: BodyParts = { modelPrefix: modelPrefix(o.model), supportsLogprobs: o.supportsLogprobs };
  const ladder = o.supportsJsonSchema !== true;
  // The structured-output mode that last worked: a server that refused json_schema once is not asked again.
  let schemaMode: SchemaMode = o.supportsJsonSchema === false ? "json_object" : "json_schema";
  let closed = false;
  let closing: Promise<void> | undefined;

  async function attempt<T>(
    call: CallContext,
    body: string,
    stream: boolean,
    consume: (response: OpenResponse) => Promise<T>,
  ): Promise<{ value: T; headersAt: number }> {
    if (closed) throw new FrugalError("provider_error", `the provider for ${endpoint} is closed`);
    const limit = Math.max(1, Math.ceil(call.deadline - performance.now()));
    // undici's own headersTimeout runs on a 1 s-resolution timer, so a sub-second first-byte limit gets its own timer and
    // an attempt-scoped controller (only when configured: the common path keeps the call's signal and no extra timer).
    let signal = call.signal;
    let firstByteTimer: NodeJS.Timeout | undefined;
    let firstByteExpired = false;
    let link: (() => void) | undefined;
    if (o.firstByteTimeoutMs !== undefined && o.firstByteTimeoutMs < limit) {
      const scoped = new CallAbort();
      link = () => scoped.abort(call.signal.reason);
      call.signal.once("abort", link);
      firstByteTimer = setTimeout(() => {
        firstByteExpired = true;
        scoped.abort();
      }, o.firstByteTimeoutMs);
      signal = scoped;
    }
    let response: OpenResponse;
    try {
      response = await pool.request({
        path,
        method: "POST",
        headers: stream ? sseHeaders : jsonHeaders,
        body,
        signal,
        headersTimeout: limit,
        bodyTimeout: limit,
      });
    } catch (error) {
      // A failed attempt's scoped handle is done with; unlinking it keeps listeners from piling up across retries.
      if (link !== undefined) call.signal.removeListener("abort", link);
      if (firstByteExpired && !call.signal.aborted) {
        throw new FrugalError("provider_timeout", `${endpoint} sent no response headers within ${o.firstByteTimeoutMs} ms`, {
          cause: error,
          details: { endpoint, firstByteTimeoutMs: o.firstByteTimeoutMs },
        });
      }
      throw call.fail(error);
    } finally {
      clearTimeout(firstByteTimer);
    }
    const headersAt = performance.now();
    try {
      if (response.statusCode >= 300) {
        const text = await response.body.text();
        throw httpError({ status: response.statusCode, body: text, retryAfter: response.headers["retry-after"], endpoint, apiKey });
      }
      return { value: await consume(response), headersAt };
    } catch (error) {
      if (link !== undefined) call.signal.removeListener("abort", link);
      throw call.fail(error);
    }
  }

  return {
    endpoint,
    apiKey,
    model: o.model,
    get closed() {
      return closed;
    },
    begin(request) {
      return beginCall({ timeoutMs: request.timeoutMs ?? o.timeoutMs, callerSignal: request.signal, endpoint, apiKey });
    },
    async execute(call, request, stream, consume) {
      let mode: SchemaMode | undefined = request.jsonSchema === undefined ? undefined : schemaMode;
      let attempts = 0;
      for (;;) {
        const body = buildBody(parts, request, stream, mode);
        try {
          const result = await retry(() => attempt(call, body, stream, consume), {
            maxRetries: o.maxRetries,
            baseMs: o.retryBaseMs,
            maxDelayMs: o.retryMaxMs,
            signal: call.signal,
            deadline: call.deadline,
          });
          if (mode !== undefined) schemaMode = mode;
          return { value: result.value.value, headersAt: result.value.headersAt, attempts: attempts + result.attempts, mode };
        } catch (thrown) {
          const error = call.fail(thrown);
          const next = nextMode(error, mode, ladder);
          if (next === undefined) {
            error.details.attempts = attempts + Number(error.details.attempts ?? 1);
            throw error;
          }
          attempts += Number(error.details.attempts ?? 1);
          mode = next;
        }
      }
    },
    close() {
      closed = true;
      // destroy, not close: a call still streaming must not keep shutdown waiting; it fails with "provider closed".
      closing ??= pool.destroy().catch(() => undefined);
      return closing;
    },
  };
}
