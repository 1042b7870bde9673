/**
 * The semantic response cache the gateway opts routes and tasks into. A lookup matches only inside its SCOPE — the exact
 * part of the key: tenant (team) + target + every request parameter except the last user message (system prompt, earlier
 * turns, model, temperature, tools…), hashed — and, inside it, by MEANING of the last user message: the nearest stored
 * messages by embedding cosine, accepted only when the trained hit verifier's score reaches the certified threshold (wrong
 * hits / lookups ≤ δ for traffic like its calibration data; model-file.ts says which). Two teams, two system prompts or two
 * temperatures never share an entry, whatever the texts.
 *
 * Not a CacheStore: those take already-hashed keys and never see text; this one must keep the message text to verify a
 * candidate. Bounded by `maxEntries` over all scopes, least recently used first.
 */
import { requestKey } from "../key.ts";
import { FrugalError } from "../../core/errors.ts";
import type { SemanticCacheModel } from "./model-file.ts";
import { createSemanticIndex, type SemanticIndex } from "./semantic-index.ts";

export interface SemanticHit<V> {
  value: V;
  /** The verifier's score of (stored message, this message). */
  probability: number;
  storedText: string;
}

export interface SemanticCacheStats {
  entries: number;
  scopes: number;
  hits: number;
  misses: number;
  evictions: number;
}

export interface SemanticCache<V> {
  readonly threshold: number;
  get(scope: string, text: string): SemanticHit<V> | undefined;
  /** Stores `value` for `text` in `scope` (an identical text already stored there is replaced). */
  set(scope: string, text: string, value: V): void;
  stats(): SemanticCacheStats;
  clear(): void;
}

interface Scope<V> {
  index: SemanticIndex<V>;
  slotOf: Map<string, number>;
}

export function createSemanticCache<V>(options: { model: SemanticCacheModel; maxEntries: number }): SemanticCache<V> {
  if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
    throw new FrugalError("config_invalid", `semantic cache max_entries must be an integer >= 1, got ${options.maxEntries}`);
  }
  const { model, maxEntries } = options;
  const scopes = new Map<string, Scope<V>>();
  // Recency over all scopes: insertion order of a Map, re-inserted on every hit (as the memory store does).
  const recency = new Map<string, { scope: string; text: string }>();
  const counters = { hits: 0, misses: 0, evictions: 0 };
  const entryKey = (scope: string, text: string): string => `${scope}\u0000${text}`;

  const removeEntry = (scope: string, text: string): void => {
    const s = scopes.get(scope);
    const slot = s?.slotOf.get(text);
    if (s === undefined || slot === undefined) return;
    s.index.remove(slot);
    s.slotOf.delete(text);
    recency.delete(entryKey(scope, text));
    if (s.slotOf.size === 0) scopes.delete(scope);
  };

  return {
    threshold: model.threshold,
    get(scope, text) {
      const s = scopes.get(scope);
      const best = s?.index.best(text);
      if (s === undefined || best === undefined || !(best.probability >= model.threshold)) {
        counters.misses++;
        return undefined;
      }
      counters.hits++;
      const storedText = s.index.text(best.slot);
      const key = entryKey(scope, storedText);
      const at = recency.get(key);
      if (at !== undefined) {
        recency.delete(key);
        recency.set(key, at);
      }
      return { value: s.index.value(best.slot), probability: best.probability, storedText };
    },
    set(scope, text, value) {
      removeEntry(scope, text);
      let s = scopes.get(scope);
      if (s === undefined) {
        s = { index: createSemanticIndex<V>({ embedder: model.embedder, verifier: model.verifier, candidates: model.meta.candidates, initialCapacity: 16 }), slotOf: new Map() };
        scopes.set(scope, s);
      }
      s.slotOf.set(text, s.index.add(text, value));
      recency.set(entryKey(scope, text), { scope, text });
      while (recency.size > maxEntries) {
        const oldest = recency.values().next().value as { scope: string; text: string };
        removeEntry(oldest.scope, oldest.text);
        counters.evictions++;
      }
    },
    stats: () => ({ entries: recency.size, scopes: scopes.size, ...counters }),
    clear() {
      scopes.clear();
      recency.clear();
    },
  };
}

/**
 * The scope and text of a chat request: the last message must be a user message with plain-text content (anything else —
 * a tool result last, content parts with images — is not cached semantically: undefined). The scope hashes the tenant, the
 * target and the whole body but that last message's text.
 */
export function semanticKey(tenant: string, target: string, body: Record<string, unknown>): { scope: string; text: string } | undefined {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : undefined;
  const last = messages?.at(-1) as { role?: unknown; content?: unknown } | undefined;
  if (messages === undefined || last === undefined || last.role !== "user" || typeof last.content !== "string" || last.content.trim() === "") return undefined;
  const { content: _text, ...lastWithoutText } = last as Record<string, unknown>;
  return { scope: requestKey(tenant, target, { ...body, messages: [...messages.slice(0, -1), lastWithoutText] }), text: last.content };
}
