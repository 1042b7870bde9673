/**
 * Exact-cache keys. Two requests share a key only when the canonical task input, the task, the requested fields, the
 * configuration of whatever answers behind the cache (its scope) and the key version all match: a cache key that ignores
 * parameters is how gateways serve a cheap model's answer to a request configured for a strong one.
 */
import { createHash } from "node:crypto";

/** Bump when the canonical form changes, so old entries in persistent stores stop matching. */
export const CACHE_KEY_VERSION = 1;

/**
 * The canonical form of a task input: Unicode NFC, CRLF → LF, trimmed. Nothing more: this is an exact cache, and folding
 * case or inner whitespace could merge inputs a model treats differently.
 */
export function canonicalText(text: string): string {
  return text.normalize("NFC").replace(/\r\n?/g, "\n").trim();
}

/** A stable JSON rendering (sorted object keys), so equal configs hash equally whatever their key order. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

export function hashConfig(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 16);
}

/** Request fields that change how an answer is delivered, not what it says: never part of a gateway cache key. */
const TRANSPORT_FIELDS = new Set(["stream", "stream_options"]);

/**
 * The gateway's key for a request (exact cache) or for a request's scope (semantic cache): the tenant, the task or route,
 * and every field of the request but its transport fields, as canonical JSON, hashed. One function, so the two caches
 * can never disagree on which parameters make two requests different.
 */
export function requestKey(tenant: string, target: string, request: unknown): string {
  const payload =
    request !== null && typeof request === "object" && !Array.isArray(request)
      ? Object.fromEntries(Object.entries(request as Record<string, unknown>).filter(([k]) => !TRANSPORT_FIELDS.has(k)))
      : request;
  return createHash("sha256").update(stableJson({ v: 1, tenant, target, payload })).digest("base64url");
}

export interface CacheKeyParts {
  taskName: string;
  taskKind: string;
  text: string;
  /** extract: the requested fields (order-insensitive). */
  fields?: readonly string[];
  /** Hash of the configuration behind the cache (tiers, models, thresholds). */
  scope: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  const fields = parts.fields === undefined ? null : [...parts.fields].sort();
  const payload = stableJson({ v: CACHE_KEY_VERSION, task: parts.taskName, kind: parts.taskKind, fields, scope: parts.scope, text: canonicalText(parts.text) });
  return `frugal:v${CACHE_KEY_VERSION}:${createHash("sha256").update(payload).digest("hex")}`;
}
