/**
 * One request to a route (a model name mapped to upstream targets by src/relay), JSON or SSE:
 * authorize → PII policy → budget reserve → exact cache → semantic cache (opt-in) → relay (fallbacks, retries, breakers) → meter → ledger + settle.
 * The body goes upstream untouched (tools, response_format, stop, seed, logprobs…) but for `model` and, under a `redact`
 * policy, the message texts; placeholders are restored in the answer, chunk by chunk for streams. The ledger row is
 * committed before the last byte: before the JSON body is sent, before a stream's `[DONE]`.
 */
import { FrugalError, toFrugalError } from "../core/errors.ts";
import type { SseOutgoing } from "../providers/sse.ts";
import type { RelayJsonResult, RelayStreamResult, RelayTarget } from "../relay/index.ts";
import type { RedactionSession } from "../guard/index.ts";
import type { AbortLike } from "../providers/retry.ts";
import { DEFAULT_ROUTE_POLICY, type RoutePolicy } from "./config.ts";
import type { ChatBodyView } from "./chat-body.ts";
import type { GatewayContext } from "./context.ts";
import type { CachedEntry } from "./exact-cache.ts";
import { semanticKey } from "../cache/semantic/semantic-cache.ts";
import type { Admission, Caller } from "./governance.ts";
import { toHttpError } from "./openai-errors.ts";
import { applyPiiToEmbeddingInput, applyPiiToMessages } from "./pii-policy.ts";
import { sseResponse } from "./sse-response.ts";
import { jsonResponse } from "./json-response.ts";

export interface RouteCallInput {
  ctx: GatewayContext;
  caller: Caller;
  route: string;
  operation: "chat" | "embeddings";
  body: Record<string, unknown>;
  view: ChatBodyView | undefined;
  requestId: string;
  signal: AbortLike;
}

type Choice = { index?: number; message?: { content?: unknown }; delta?: { content?: unknown }; finish_reason?: unknown };

function restoreJson(body: unknown, session: RedactionSession): string {
  const choices = (body as { choices?: Choice[] }).choices;
  for (const choice of choices ?? []) {
    if (typeof choice.message?.content === "string") choice.message.content = session.restore(choice.message.content);
  }
  return JSON.stringify(body);
}

type Usage = { inputTokens: number; outputTokens: number };
type LedgerExtra = { errorCode?: string; cacheHit?: boolean; body?: string };

/**
 * One route request's state, shared by its steps (refusal rows, response headers, the final ledger row). A class, not
 * closures in callRoute: tsx (esbuild's keepNames) names every `const f = () => …` each time it is created, ~0.8 µs apiece,
 * and a request made four of them.
 */
class RouteRequest {
  readonly started = performance.now();
  readonly stream: boolean;
  readonly policy: RoutePolicy;
  /** PII found in the request (types and counts), once the guard has run. */
  piiCounts: Record<string, number> | undefined;
  /** The body as sent upstream (redacted under a `redact` policy). */
  sent: Record<string, unknown>;
  admission: Admission | undefined;

  constructor(readonly input: RouteCallInput) {
    this.stream = input.view?.stream === true;
    this.policy = input.ctx.config.route_policies[input.route] ?? DEFAULT_ROUTE_POLICY;
    this.sent = input.body;
  }

  /** Runs a step that may refuse the request (allow-list, PII, rate, budget); a refusal still gets its ledger row. */
  async refusing<T>(step: () => T | Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      const { ctx, caller, requestId, route } = this.input;
      const counts = this.piiCounts;
      const request = { requestId, kind: "route" as const, target: route, stream: this.stream, latencyMs: performance.now() - this.started, ...(counts !== undefined ? { pii: counts } : {}) };
      await ctx.governance.recordRefusal(caller, request, error).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
      throw error;
    }
  }

  headers(target: RelayTarget | undefined, extra: Record<string, string> = {}): Record<string, string> {
    return {
      "x-frugal-request-id": this.input.requestId,
      ...(target !== undefined ? { "x-frugal-upstream": target.upstream, "x-frugal-model": target.model } : {}),
      ...extra,
    };
  }

  /** Meters the request and commits its ledger row (and settles its reservation); returns the cost. */
  async ledgered(target: RelayTarget | undefined, status: number, usage: Usage | undefined, extra: LedgerExtra = {}): Promise<{ value: number | null }> {
    const { ctx, caller, route, requestId, operation } = this.input;
    const tokens = usage ?? { inputTokens: 0, outputTokens: 0 };
    // Nothing reached an upstream (a failure before it, a cache hit): nothing spent.
    const free = target === undefined || extra.cacheHit === true;
    const cost = free ? { value: 0, provenance: "measured" as const } : ctx.pricing.tokensCost(target.model, tokens.inputTokens, tokens.outputTokens);
    const energy = free ? { value: 0, provenance: "measured" as const } : ctx.pricing.tokensEnergy(target.model, tokens.inputTokens, tokens.outputTokens);
    ctx.metrics.cost(cost.value, cost.provenance);
    ctx.metrics.energy(energy.value, energy.provenance);
    if (target !== undefined && usage !== undefined) ctx.metrics.tokens(target.model, operation, tokens.inputTokens, tokens.outputTokens);
    // One literal with every field, always in this order: spreads of objects whose shapes vary (usage, optional
    // fields) made V8 build fresh hidden classes on every request, ~10 KB of garbage each (bench/gateway.ts GC trace).
    await ctx.governance.finish(this.admission as Admission, {
      requestId,
      keyId: caller.keyId,
      team: caller.team,
      kind: "route",
      target: route,
      tier: target === undefined ? null : extra.cacheHit === true ? "cache" : "upstream",
      model: target?.model ?? null,
      provider: target?.upstream ?? null,
      region: target?.region ?? null,
      onPrem: target?.onPrem ?? false,
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      costUsd: cost.value ?? 0,
      costProvenance: cost.provenance,
      energyJ: energy.value,
      energyProvenance: energy.provenance,
      latencyMs: performance.now() - this.started,
      cacheHit: extra.cacheHit === true,
      escalated: false,
      pii: this.piiCounts ?? {},
      status,
      errorCode: extra.errorCode,
      stream: this.stream,
      // Opted-in bodies feed distillation: the (redacted) request with the answer, both as sent and received upstream.
      body: extra.body !== undefined && this.policy.store_bodies ? `{"request":${JSON.stringify(this.sent)},"response":${extra.body}}` : undefined,
    });
    return cost;
  }

  /** A cached answer, sent again: free, still ledgered. */
  async replay(entry: CachedEntry, kind: "hit" | "semantic", session: RedactionSession | undefined): Promise<Response> {
    const { rawBody, target } = entry.payload as { rawBody: string; target: RelayTarget };
    this.input.ctx.metrics.cacheHit("route");
    await this.ledgered(target, 200, undefined, { cacheHit: true });
    const text = session !== undefined ? restoreJson(JSON.parse(rawBody), session) : rawBody;
    return jsonResponse(text, 200, this.headers(target, { "x-frugal-cache": kind, "x-frugal-cost-usd": "0" }));
  }
}

export async function callRoute(input: RouteCallInput): Promise<Response> {
  const { ctx, caller, route, body } = input;
  const call = new RouteRequest(input);
  await call.refusing(() => ctx.governance.authorize(caller, route));
  const { policy } = call;
  const info = ctx.relay.route(route);
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  const textField = input.operation === "embeddings" ? "input" : "messages";
  const pii = await call.refusing(() =>
    textField === "input" ? applyPiiToEmbeddingInput(ctx.guard, policy.pii.policy, `route ${route}`, body.input) : applyPiiToMessages(ctx.guard, policy.pii.policy, `route ${route}`, messages),
  );
  call.piiCounts = pii.counts;
  for (const [type, n] of Object.entries(pii.counts)) ctx.metrics.pii(type, n);
  const allow = pii.localOnly ? onPremOnly : undefined;
  const targets = (info?.targets ?? []).filter((t) => allow?.(t) ?? true);
  if (pii.localOnly && targets.length === 0) {
    await call.refusing(() => {
      throw new FrugalError("pii_detected", `route ${route}: the request holds personal data, its policy is local_only and no target of this route runs on premises`, { details: { param: "messages" } });
    });
  }
  const sent = pii.session !== undefined ? { ...body, [textField]: pii.value } : body;
  call.sent = sent;
  const promptBytes = Buffer.byteLength(JSON.stringify(input.operation === "chat" ? sent.messages : sent.input ?? ""));
  const maxTokens = input.view?.maxTokens ?? (input.operation === "chat" ? policy.default_max_tokens : 0);
  const passthroughTarget: RelayTarget[] = info === undefined ? [{ upstream: "passthrough", model: route, region: undefined, onPrem: false }] : [];
  call.admission = await call.refusing(() => ctx.governance.admit(caller, ctx.pricing.routeReservation(targets.length > 0 ? targets : passthroughTarget, promptBytes, maxTokens)));

  const cacheable = input.operation === "chat" && !call.stream && ctx.cache.cacheableRoute(body, input.view?.temperature);
  const cacheKey = cacheable ? ctx.cache.key(caller.team, `route:${route}`, sent) : undefined;
  // The semantic cache, for routes that opt in, on the requests the exact cache would cache: scoped to the team, the route
  // and every parameter but the last user message, whose meaning the certified verifier compares (src/cache/semantic).
  const semantic = cacheable && policy.semantic_cache && ctx.semanticCache !== undefined ? semanticKey(caller.team, `route:${route}`, sent) : undefined;
  try {
    if (cacheKey !== undefined) {
      const hit = await ctx.cache.get(cacheKey);
      if (hit !== undefined) return await call.replay(hit, "hit", pii.session);
    }
    const near = semantic === undefined ? undefined : ctx.semanticCache?.get(semantic.scope, semantic.text);
    if (near !== undefined) return await call.replay(near.value, "semantic", pii.session);
    const request = { route, body: sent, signal: input.signal, ...(allow !== undefined ? { allow } : {}) };
    const result = input.operation === "embeddings" ? await ctx.relay.embeddings(request) : await ctx.relay.chat(request);
    if (result.kind === "stream") return streamed(call, result, pii.session);
    return await answered(call, result, pii.session, cacheKey, semantic);
  } catch (error) {
    const e = toFrugalError(error);
    if (e.code !== "budget_exceeded") await call.ledgered(undefined, e.status, undefined, { errorCode: e.code }).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
    throw e;
  }
}

/** The relay's target filter under a `local_only` PII policy. */
function onPremOnly(target: RelayTarget): boolean {
  return target.onPrem;
}

async function answered(call: RouteRequest, result: RelayJsonResult, session: RedactionSession | undefined, cacheKey: string | undefined, semantic?: { scope: string; text: string }): Promise<Response> {
  const { ctx } = call.input;
  const ok = result.status >= 200 && result.status < 300;
  const cost = await call.ledgered(result.target, result.status, result.usage, ok ? { body: result.rawBody } : { errorCode: `upstream_${result.status}` });
  const entry: CachedEntry = { payload: { rawBody: result.rawBody, target: result.target }, bytes: result.rawBody.length + 256 };
  if (ok && cacheKey !== undefined) await ctx.cache.set(cacheKey, entry);
  // Only successful answers are stored: a cache that replays an error as a 200 is worse than none.
  if (ok && semantic !== undefined) ctx.semanticCache?.set(semantic.scope, semantic.text, entry);
  const text = ok && session !== undefined ? restoreJson(result.body, session) : result.rawBody;
  const extra: Record<string, string> = cost.value === null ? {} : { "x-frugal-cost-usd": cost.value.toPrecision(6) };
  return jsonResponse(text, result.status, call.headers(result.target, extra));
}

function streamed(call: RouteRequest, result: RelayStreamResult, session: RedactionSession | undefined): Response {
  const { ctx } = call.input;
  ctx.metrics.firstToken(result.target.model, result.firstEventMs / 1000);
  return sseResponse(relayedEvents(call, result, session), { keepAliveMs: ctx.config.server.sse_keepalive_ms, headers: call.headers(result.target, { "x-frugal-stream": "true" }), inFlight: ctx.inFlight });
}

/** The upstream's events as the client gets them: placeholders restored, the ledger row committed before `[DONE]`. */
async function* relayedEvents(call: RouteRequest, result: RelayStreamResult, session: RedactionSession | undefined): AsyncGenerator<SseOutgoing> {
  const { ctx, route, operation } = call.input;
  // A route that stores bodies keeps the answer as the upstream streamed it (redacted, when the policy redacts).
  const keep = call.policy.store_bodies === true;
  let kept = "";
  let done = false;
  const restorers = new Map<number, { push(d: string): string; flush(): string }>();
  try {
    for await (const event of result.events) {
      if (event.data === "[DONE]") {
        done = true;
        const body = keep ? { body: JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: kept } }] }) } : {};
        await call.ledgered(result.target, 200, result.usage(), body);
        yield { data: "[DONE]" };
        return;
      }
      if (event.usageOnly === true && !result.clientWantsUsage) continue;
      if ((session === undefined && !keep) || event.usageOnly === true) {
        yield { data: event.data };
        continue;
      }
      const chunk = JSON.parse(event.data) as { choices?: Choice[] };
      if (keep) for (const choice of chunk.choices ?? []) if ((choice.index ?? 0) === 0 && typeof choice.delta?.content === "string") kept += choice.delta.content;
      if (session === undefined) {
        yield { data: event.data };
        continue;
      }
      for (const choice of chunk.choices ?? []) {
        const index = choice.index ?? 0;
        let restorer = restorers.get(index);
        if (restorer === undefined) restorers.set(index, (restorer = session.streamRestorer()));
        const delta = choice.delta;
        let text = delta !== undefined && typeof delta.content === "string" ? restorer.push(delta.content) : "";
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) text += restorer.flush();
        if (delta !== undefined && (typeof delta.content === "string" || text !== "")) delta.content = text;
      }
      yield { data: JSON.stringify(chunk) };
    }
  } catch (error) {
    const e = toFrugalError(error);
    if (!done) {
      done = true;
      await call.ledgered(result.target, e.code === "cancelled" ? 499 : 200, result.usage(), { errorCode: e.code }).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
    }
    // The status line is long gone: the error travels as a last event, in OpenAI's error shape.
    if (e.code !== "cancelled") yield { data: JSON.stringify(toHttpError(e).body) };
  } finally {
    if (!done) {
      // The client went away (or the upstream ended without [DONE] and without an error): the row still gets written.
      done = true;
      await call.ledgered(result.target, 499, result.usage(), { errorCode: "cancelled" }).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
    }
    ctx.metrics.request({ operation, target: route, status: 200 }, (performance.now() - call.started) / 1000);
  }
}
