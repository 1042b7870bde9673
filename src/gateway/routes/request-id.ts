/** A request id per request: the client's `x-request-id` when it is a sane token (so traces join up), else a fresh UUID. */
import { randomUUID } from "node:crypto";
import type { Context } from "hono";

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Decided once per request and remembered on the context, so an error answered by the app's error handler carries the
 * same `x-frugal-request-id` as the ledger row of that request.
 */
export function requestIdOf(c: Context): string {
  const known = c.get("frugalRequestId");
  if (known !== undefined) return known;
  const given = c.req.header("x-request-id");
  const id = given !== undefined && SAFE_ID.test(given) ? given : randomUUID();
  c.set("frugalRequestId", id);
  return id;
}
