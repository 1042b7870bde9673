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
import { DEFAULT_ROUTE_POLICY } from "./config.ts";
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

export async function callRoute(input: RouteCallInput): Promise<Response> {
  const { ctx, caller, route, body, requestId } = input;
  const started = performance.now();
  const stream = input.view?.stream === true;
  // A request refused after authentication (allow-list, PII, rate, budget) still gets its ledger row.
  const refusing = async <T>(step: () => T | Promise<T>, counts?: Record<string, number>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      const request = { requestId, kind: "route" as const, target: route, stream, latencyMs: performance.now() - started, ...(counts !== undefined ? { pii: counts } : {}) };
      await ctx.governance.recordRefusal(caller, request, error).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
      throw error;
    }
  };
  await refusing(() => ctx.governance.authorize(caller, route));
  const policy = ctx.config.route_policies[route] ?? DEFAULT_ROUTE_POLICY;
  const info = ctx.relay.route(route);
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  const textField = input.operation === "embeddings" ? "input" : "messages";
  const pii = await refusing(() =>
    textField === "input" ? applyPiiToEmbeddingInput(ctx.guard, policy.pii.policy, `route ${route}`, body.input) : applyPiiToMessages(ctx.guard, policy.pii.policy, `route ${route}`, messages),
  );
  for (const [type, n] of Object.entries(pii.counts)) ctx.metrics.pii(type, n);
  const allow = pii.localOnly ? (t: RelayTarget) => t.onPrem : undefined;
  const targets = (info?.targets ?? []).filter((t) => allow?.(t) ?? true);
  if (pii.localOnly && targets.length === 0) {
    await refusing(() => {
      throw new FrugalError("pii_detected", `route ${route}: the request holds personal data, its policy is local_only and no target of this route runs on premises`, { details: { param: "messages" } });
    }, pii.counts);
  }
  const sent = pii.session !== undefined ? { ...body, [textField]: pii.value } : body;
  const promptBytes = Buffer.byteLength(JSON.stringify(input.operation === "chat" ? sent.messages : sent.input ?? ""));
  const maxTokens = input.view?.maxTokens ?? (input.operation === "chat" ? policy.default_max_tokens : 0);
  const passthroughTarget: RelayTarget[] = info === undefined ? [{ upstream: "passthrough", model: route, region: undefined, onPrem: false }] : [];
  const admission: Admission = await refusing(() => ctx.governance.admit(caller, ctx.pricing.routeReservation(targets.length > 0 ? targets : passthroughTarget, promptBytes, maxTokens)), pii.counts);
  const headers = (target: RelayTarget | undefined, extra: Record<string, string> = {}): Record<string, string> => ({
    "x-frugal-request-id": requestId,
    ...(target !== undefined ? { "x-frugal-upstream": target.upstream, "x-frugal-model": target.model } : {}),
    ...extra,
  });
  const ledgered = async (target: RelayTarget | undefined, status: number, usage: { inputTokens: number; outputTokens: number } | undefined, extra: { errorCode?: string; cacheHit?: boolean; body?: string } = {}) => {
    const tokens = usage ?? { inputTokens: 0, outputTokens: 0 };
    const cost = target === undefined || extra.cacheHit === true ? { value: 0, provenance: "measured" as const } : ctx.pricing.tokensCost(target.model, tokens.inputTokens, tokens.outputTokens);
    const energy = target === undefined || extra.cacheHit === true ? { value: 0, provenance: "measured" as const } : ctx.pricing.tokensEnergy(target.model, tokens.inputTokens, tokens.outputTokens);
    ctx.metrics.cost(cost.value, cost.provenance);
    ctx.metrics.energy(energy.value, energy.provenance);
    if (target !== undefined && usage !== undefined) ctx.metrics.tokens(target.model, input.operation, tokens.inputTokens, tokens.outputTokens);
    // One literal with every field, always in this order: spreads of objects whose shapes vary (usage, optional
    // fields) made V8 build fresh hidden classes on every request, ~10 KB of garbage each (bench/gateway.ts GC trace).
    await ctx.governance.finish(admission, {
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
      latencyMs: performance.now() - started,
      cacheHit: extra.cacheHit === true,
      escalated: false,
      pii: pii.counts,
      status,
      errorCode: extra.errorCode,
      stream,
      // Opted-in bodies feed distillation: the (redacted) request with the answer, both as sent and received upstream.
      body: extra.body !== undefined && policy.store_bodies ? `{"request":${JSON.stringify(sent)},"response":${extra.body}}` : undefined,
    });
    return cost;
  };

  const cacheable = input.operation === "chat" && !stream && ctx.cache.cacheableRoute(body, input.view?.temperature);
  const cacheKey = cacheable ? ctx.cache.key(caller.team, `route:${route}`, sent) : undefined;
  // The semantic cache, for routes that opt in, on the requests the exact cache would cache: scoped to the team, the route
  // and every parameter but the last user message, whose meaning the certified verifier compares (src/cache/semantic).
  const semantic = cacheable && policy.semantic_cache && ctx.semanticCache !== undefined ? semanticKey(caller.team, `route:${route}`, sent) : undefined;
  const replay = async (entry: CachedEntry, kind: "hit" | "semantic"): Promise<Response> => {
    const { rawBody, target } = entry.payload as { rawBody: string; target: RelayTarget };
    ctx.metrics.cacheHit("route");
    await ledgered(target, 200, undefined, { cacheHit: true });
    const text = pii.session !== undefined ? restoreJson(JSON.parse(rawBody), pii.session) : rawBody;
    return jsonResponse(text, 200, headers(target, { "x-frugal-cache": kind, "x-frugal-cost-usd": "0" }));
  };
  try {
    if (cacheKey !== undefined) {
      const hit = await ctx.cache.get(cacheKey);
      if (hit !== undefined) return await replay(hit, "hit");
    }
    const near = semantic === undefined ? undefined : ctx.semanticCache?.get(semantic.scope, semantic.text);
    if (near !== undefined) return await replay(near.value, "semantic");
    const request = { route, body: sent, signal: input.signal, ...(allow !== undefined ? { allow } : {}) };
    const result = input.operation === "embeddings" ? await ctx.relay.embeddings(request) : await ctx.relay.chat(request);
    if (result.kind === "stream") return streamed(input, result, pii.session, ledgered, headers, started);
    return await answered(result, pii.session, cacheKey, ctx, ledgered, headers, semantic);
  } catch (error) {
    const e = toFrugalError(error);
    if (e.code !== "budget_exceeded") await ledgered(undefined, e.status, undefined, { errorCode: e.code }).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
    throw e;
  }
}

type Ledgered = (target: RelayTarget | undefined, status: number, usage: { inputTokens: number; outputTokens: number } | undefined, extra?: { errorCode?: string; cacheHit?: boolean; body?: string }) => Promise<{ value: number | null }>;
type Headers = (target: RelayTarget | undefined, extra?: Record<string, string>) => Record<string, string>;

async function answered(result: RelayJsonResult, session: RedactionSession | undefined, cacheKey: string | undefined, ctx: GatewayContext, ledgered: Ledgered, headers: Headers, semantic?: { scope: string; text: string }): Promise<Response> {
  const ok = result.status >= 200 && result.status < 300;
  const cost = await ledgered(result.target, result.status, result.usage, ok ? { body: result.rawBody } : { errorCode: `upstream_${result.status}` });
  const entry: CachedEntry = { payload: { rawBody: result.rawBody, target: result.target }, bytes: result.rawBody.length + 256 };
  if (ok && cacheKey !== undefined) await ctx.cache.set(cacheKey, entry);
  // Only successful answers are stored: a cache that replays an error as a 200 is worse than none.
  if (ok && semantic !== undefined) ctx.semanticCache?.set(semantic.scope, semantic.text, entry);
  const text = ok && session !== undefined ? restoreJson(result.body, session) : result.rawBody;
  const extra: Record<string, string> = cost.value === null ? {} : { "x-frugal-cost-usd": cost.value.toPrecision(6) };
  return jsonResponse(text, result.status, headers(result.target, extra));
}

function streamed(input: RouteCallInput, result: RelayStreamResult, session: RedactionSession | undefined, ledgered: Ledgered, headers: Headers, started: number): Response {
  const { ctx } = input;
  ctx.metrics.firstToken(result.target.model, result.firstEventMs / 1000);
  let done = false;
  // A route that stores bodies keeps the answer as the upstream streamed it (redacted, when the policy redacts).
  const keep = ctx.config.route_policies[input.route]?.store_bodies === true;
  let kept = "";
  async function* events(): AsyncGenerator<SseOutgoing> {
    const restorers = new Map<number, { push(d: string): string; flush(): string }>();
    try {
      for await (const event of result.events) {
        if (event.data === "[DONE]") {
          done = true;
          const body = keep ? { body: JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: kept } }] }) } : {};
          await ledgered(result.target, 200, result.usage(), body);
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
        await ledgered(result.target, e.code === "cancelled" ? 499 : 200, result.usage(), { errorCode: e.code }).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
      }
      // The status line is long gone: the error travels as a last event, in OpenAI's error shape.
      if (e.code !== "cancelled") yield { data: JSON.stringify(toHttpError(e).body) };
    } finally {
      if (!done) {
        // The client went away (or the upstream ended without [DONE] and without an error): the row still gets written.
        done = true;
        await ledgered(result.target, 499, result.usage(), { errorCode: "cancelled" }).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
      }
      ctx.metrics.request({ operation: input.operation, target: input.route, status: 200 }, (performance.now() - started) / 1000);
    }
  }
  return sseResponse(events(), { keepAliveMs: ctx.config.server.sse_keepalive_ms, headers: headers(result.target, { "x-frugal-stream": "true" }), inFlight: ctx.inFlight });
}
