/**
 * A JSON response with plain-object headers. @hono/node-server writes such a response straight to Node's
 * ServerResponse; Hono's `c.json(body, status, headers)` builds a Web `Headers` that the adapter then sorts and copies
 * back into an object: ~6 KB of garbage per answer, which showed in the compact task's GC pauses (bench/gateway.ts).
 * For the request paths; the admin routes keep `c.json`.
 */
export function jsonResponse(body: string, status: number, headers: Record<string, string>): Response {
  return new Response(body, { status, headers: { "content-type": "application/json", ...headers } });
}
