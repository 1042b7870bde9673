/**
 * The one place where errors become HTTP: every failure on every route leaves as OpenAI's error object
 * `{error: {message, type, param, code}}` with the status of its FrugalError code, so the official SDKs raise their typed
 * errors (AuthenticationError, PermissionDeniedError, RateLimitError…). Bugs are logged with their stack and answered with
 * a generic 500: an internal message can hold paths or values that must not reach a client.
 */
import { FrugalError, toFrugalError } from "../core/errors.ts";

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

// OpenAI's `type` values, by status family: what SDKs and clients written for OpenAI branch on.
function typeOf(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export interface HttpError {
  status: number;
  body: OpenAiErrorBody;
  headers: Record<string, string>;
}

export function toHttpError(error: unknown, log?: (error: unknown) => void): HttpError {
  const e: FrugalError = toFrugalError(error);
  if (e.code === "internal") log?.(error);
  // 499 is nginx's "client closed request": nobody reads it, but it must not count as a server error.
  const status = e.status;
  const message = e.code === "internal" ? "internal error (logged by the gateway)" : e.message;
  const param = typeof e.details.param === "string" ? e.details.param : null;
  const headers: Record<string, string> = {};
  if (e.retryAfterMs !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
  return { status, body: { error: { message, type: typeOf(status), param, code: e.code } }, headers };
}

/** A request-validation error naming the body field at fault (`param`), as OpenAI's own 400s do. */
export function invalidRequest(message: string, param?: string): FrugalError {
  return new FrugalError("input_invalid", message, param === undefined ? {} : { details: { param } });
}
