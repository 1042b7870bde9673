/**
 * The one error family of frugal. Every failure a user can cause or meet carries a stable `code`, the HTTP `status` the
 * gateway answers with, and whether retrying may help. The CLI maps codes to exit codes in one place (src/cli/run-command.ts),
 * the gateway maps them to HTTP in one handler: nothing else decides how an error is shown.
 */

export type ErrorCode =
  | "config_invalid" // a config file or option failed validation
  | "input_invalid" // a data file, row, column or argument is unusable
  | "file_not_found"
  | "model_file_invalid" // corrupted, truncated or foreign model file
  | "model_version_unsupported" // written by a newer frugal
  | "provider_error" // upstream answered with an error we cannot retry
  | "provider_timeout"
  | "rate_limited" // 429 upstream, or our own limiter
  | "upstream_unavailable" // connection refused/reset, 5xx
  | "schema_violation" // an LLM answer that does not fit the output contract
  | "plan_infeasible" // the planner cannot fit the request on the allowed hardware
  | "run_failed" // a PoC pipeline failed more requests than its failure_limit: stopped, partial report written
  | "unauthorized" // a missing, unknown or revoked API key
  | "forbidden" // a valid key that may not use this task, route or admin action
  | "budget_exceeded" // the key's budget cannot cover the request's maximum cost
  | "budget_store_unavailable" // the shared counters (Redis) cannot be reached and budgets fail closed
  | "ledger_unavailable" // the ledger store is down and its local spill is full (refusing beats an unrecorded request), or the key store is down for a key not seen before
  | "pii_detected" // a `block` PII policy refused the request
  | "payload_too_large" // a request body over the gateway's limit
  | "not_found"
  | "cancelled"
  | "internal";

interface CodeTraits {
  status: number;
  retryable: boolean;
  exitCode: number;
}

// Exit codes: 2 = the user's input/config is wrong, 3 = an external dependency failed, 4 = infeasible request (or a PoC run
// stopped by its failure limit), 1 = our bug.
const TRAITS: Record<ErrorCode, CodeTraits> = {
  config_invalid: { status: 400, retryable: false, exitCode: 2 },
  input_invalid: { status: 400, retryable: false, exitCode: 2 },
  file_not_found: { status: 404, retryable: false, exitCode: 2 },
  model_file_invalid: { status: 422, retryable: false, exitCode: 2 },
  model_version_unsupported: { status: 422, retryable: false, exitCode: 2 },
  provider_error: { status: 502, retryable: false, exitCode: 3 },
  provider_timeout: { status: 504, retryable: true, exitCode: 3 },
  rate_limited: { status: 429, retryable: true, exitCode: 3 },
  upstream_unavailable: { status: 503, retryable: true, exitCode: 3 },
  schema_violation: { status: 502, retryable: true, exitCode: 3 },
  plan_infeasible: { status: 422, retryable: false, exitCode: 4 },
  // Exit 4 like plan_infeasible: the request (the PoC as configured) cannot give a trustworthy answer; a report was written.
  run_failed: { status: 502, retryable: false, exitCode: 4 },
  unauthorized: { status: 401, retryable: false, exitCode: 2 },
  forbidden: { status: 403, retryable: false, exitCode: 2 },
  // 429 like OpenAI's own quota errors, so SDKs surface it as a RateLimitError; not retryable: waiting does not refill it.
  budget_exceeded: { status: 429, retryable: false, exitCode: 2 },
  // 503 + retryable: the request was not admitted and nothing was spent; the store usually comes back within seconds.
  budget_store_unavailable: { status: 503, retryable: true, exitCode: 3 },
  ledger_unavailable: { status: 503, retryable: true, exitCode: 3 },
  pii_detected: { status: 400, retryable: false, exitCode: 2 },
  payload_too_large: { status: 413, retryable: false, exitCode: 2 },
  not_found: { status: 404, retryable: false, exitCode: 2 },
  cancelled: { status: 499, retryable: false, exitCode: 130 },
  internal: { status: 500, retryable: false, exitCode: 1 },
};

export interface FrugalErrorOptions {
  cause?: unknown;
  /** Overrides the code's default (e.g. a 4xx provider error that is not retryable). */
  retryable?: boolean;
  status?: number;
  /** Set from a Retry-After header or a limiter; honoured by retry loops. */
  retryAfterMs?: number;
  /** Machine-readable context: file, row, column, key path, upstream status... */
  details?: Record<string, unknown>;
}

export class FrugalError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly exitCode: number;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FrugalErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const traits = TRAITS[code];
    this.name = "FrugalError";
    this.code = code;
    this.status = options.status ?? traits.status;
    this.retryable = options.retryable ?? traits.retryable;
    this.exitCode = traits.exitCode;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, status: this.status, retryable: this.retryable, ...this.details };
  }
}

export function isFrugalError(error: unknown): error is FrugalError {
  return error instanceof FrugalError;
}

/** Wraps anything thrown into the family, keeping FrugalErrors as they are. */
export function toFrugalError(error: unknown, fallback: ErrorCode = "internal"): FrugalError {
  if (isFrugalError(error)) return error;
  if (error instanceof Error && error.name === "AbortError") {
    return new FrugalError("cancelled", "the operation was cancelled", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new FrugalError(fallback, message, { cause: error });
}

/** A location prefix for data errors, in the editor's convention: `data.csv:12 (column "text")`. */
export function where(file: string, at: { line?: number; column?: string } = {}): string {
  const base = at.line === undefined ? file : `${file}:${at.line}`;
  return at.column === undefined ? base : `${base} (column "${at.column}")`;
}
