/** A request id per request: the client's `x-request-id` when it is a sane token (so traces join up), else a fresh UUID. */
import { randomUUID } from "node:crypto";
import type { Context } from "hono";

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdOf(c: Context): string {
  const given = c.req.header("x-request-id");
  return given !== undefined && SAFE_ID.test(given) ? given : randomUUID();
}
