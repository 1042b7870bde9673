/**
 * Upstream failures mapped onto the error family, in one place: HTTP statuses, undici transport errors and our own
 * timeouts. Messages carry the upstream's explanation (trimmed) and never the API key.
 */
import { FrugalError } from "../../core/errors.ts";
import { parseRetryAfter } from "../retry.ts";

const MAX_UPSTREAM_MESSAGE = 500;

/** Removes the key from anything we are about to show, in case an upstream echoes it back. */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey === undefined || apiKey === "" ? text : text.split(apiKey).join("[redacted]");
}

/** The human part of an error body: OpenAI's `{error:{message}}`, vLLM's `{message}`, Ollama's `{error:"..."}`, or text. */
export function upstreamMessage(body: string): string {
  let message = body.trim();
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>;
      const error = record.error;
      if (typeof error === "string") message = error;
      else if (error !== null && typeof error === "object" && typeof (error as Record<string, unknown>).message === "string") {
        message = (error as Record<string, unknown>).message as string;
      } else if (typeof record.message === "string") message = record.message;
      else if (typeof record.detail === "string") message = record.detail;
    }
  } catch {
    // not JSON: keep the text
  }
  return message.length > MAX_UPSTREAM_MESSAGE ? `${message.slice(0, MAX_UPSTREAM_MESSAGE)}…` : message;
}

export interface HttpFailure {
  status: number;
  body: string;
  retryAfter: string | string[] | undefined;
  endpoint: string;
  apiKey: string | undefined;
}

export function httpError(failure: HttpFailure): FrugalError {
  const message = redact(upstreamMessage(failure.body), failure.apiKey);
  const details = { upstreamStatus: failure.status, endpoint: failure.endpoint };
  const text = `${failure.endpoint} answered ${failure.status}${message === "" ? "" : `: ${message}`}`;
  if (failure.status === 429) {
    const retryAfterMs = parseRetryAfter(failure.retryAfter);
    return new FrugalError("rate_limited", text, retryAfterMs === undefined ? { details } : { details, retryAfterMs });
  }
  if (failure.status === 408) return new FrugalError("provider_timeout", text, { details });
  if (failure.status >= 500) {
    const retryAfterMs = parseRetryAfter(failure.retryAfter);
    return new FrugalError("upstream_unavailable", text, retryAfterMs === undefined ? { details } : { details, retryAfterMs });
  }
  return new FrugalError("provider_error", text, { details });
}

function errorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A transport failure (no usable HTTP status): connection refused or reset, socket closed mid-body, undici's header and
 * body timeouts. The caller handles cancellation and our own deadline before calling this.
 */
export function transportError(error: unknown, endpoint: string, apiKey: string | undefined): FrugalError {
  const code = errorCode(error) ?? errorCode((error as { cause?: unknown } | null)?.cause);
  const raw = error instanceof Error ? error.message : String(error);
  const reason = redact(raw, apiKey);
  const details = { endpoint, transportCode: code ?? "unknown" };
  if (code === "UND_ERR_HEADERS_TIMEOUT") {
    return new FrugalError("provider_timeout", `${endpoint} sent no response headers in time`, { cause: error, details });
  }
  if (code === "UND_ERR_BODY_TIMEOUT") {
    return new FrugalError("provider_timeout", `${endpoint} stalled while sending the response`, { cause: error, details });
  }
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return new FrugalError("provider_timeout", `could not connect to ${endpoint} in time`, { cause: error, details });
  }
  if (code === "UND_ERR_CLOSED" || code === "UND_ERR_DESTROYED") {
    return new FrugalError("provider_error", "the provider is closed", { cause: error, details });
  }
  if (code === "UND_ERR_INVALID_ARG") {
    return new FrugalError("internal", `invalid request to ${endpoint}: ${reason}`, { cause: error, details });
  }
  // ECONNREFUSED, ECONNRESET, EPIPE, ENOTFOUND, UND_ERR_SOCKET ("other side closed"), content-length mismatches...:
  // the upstream is down or dropped us; another attempt may well succeed.
  return new FrugalError("upstream_unavailable", `${endpoint} is unavailable: ${reason}`, { cause: error, details });
}

export function malformedError(endpoint: string, what: string, sample: string): FrugalError {
  const cut = sample.length > 200 ? `${sample.slice(0, 200)}…` : sample;
  return new FrugalError("provider_error", `${endpoint} sent ${what}: ${JSON.stringify(cut)}`, {
    details: { endpoint, malformed: what },
  });
}
