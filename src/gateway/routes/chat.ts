/**
 * `POST /v1/chat/completions` and `POST /v1/embeddings`: the model names a task (the cascade answers) or a route (the
 * relay forwards), anything else is a 404 naming what exists.
 */
import type { Context, Hono } from "hono";
import { FrugalError } from "../../core/errors.ts";
import { readChatBody } from "../chat-body.ts";
import type { GatewayContext } from "../context.ts";
import { invalidRequest } from "../openai-errors.ts";
import { readJsonObject } from "../request-body.ts";
import { callRoute } from "../route-call.ts";
import { sseResponse } from "../sse-response.ts";
import { callTask } from "../task-call.ts";
import { chatChunks, chatCompletion, frugalHeaders } from "../task-response.ts";
import { taskInputOf } from "../chat-body.ts";
import { bodySourceOf, clientAbortOf, clientSignalOf } from "./node-io.ts";
import { type EarlyStep, ledgerEarlyRefusal } from "./early-refusal.ts";
import { requestIdOf } from "./request-id.ts";
import { jsonResponse } from "../json-response.ts";

/** The model a (possibly invalid) body names, for the ledger row of its refusal. */
function modelNamed(body: Record<string, unknown> | undefined): string {
  return typeof body?.model === "string" ? body.model : "-";
}

function unknownModel(ctx: GatewayContext, model: string): FrugalError {
  const known = [...ctx.tasks.names(), ...ctx.relay.routeNames()];
  return new FrugalError("not_found", `model "${model}" is neither a task nor a route of this gateway (known: ${known.join(", ") || "none"})`, { details: { param: "model" } });
}

export function registerChatRoutes(app: Hono, ctx: GatewayContext): void {
  app.post("/v1/chat/completions", async (c: Context) => {
    const caller = await ctx.governance.authenticate(c.req.header("authorization"));
    let body: Record<string, unknown> | undefined;
    const step: EarlyStep = { kind: "route", target: "-", stream: false };
    const { view, task } = await ledgerEarlyRefusal(ctx, c, caller, step, async () => {
      body = await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes);
      step.target = modelNamed(body);
      step.stream = body.stream === true;
      const read = readChatBody(body);
      const named = ctx.tasks.get(read.model);
      if (named === undefined && !ctx.relay.has(read.model)) throw unknownModel(ctx, read.model);
      return { view: read, task: named };
    });
    const requestId = requestIdOf(c);
    c.set("frugalTarget", view.model);
    if (task !== undefined) {
      const outcome = await callTask({ ctx, caller, task, text: taskInputOf(view), requestId, signal: clientSignalOf(c, task), stream: view.stream });
      if (view.stream) return sseResponse(chatChunks(outcome, view.includeUsage), { keepAliveMs: ctx.config.server.sse_keepalive_ms, headers: frugalHeaders(outcome), inFlight: ctx.inFlight });
      return jsonResponse(JSON.stringify(chatCompletion(outcome)), 200, frugalHeaders(outcome));
    }
    if (view.stream) c.set("frugalStream", true);
    return callRoute({ ctx, caller, route: view.model, operation: "chat", body: body as Record<string, unknown>, view, requestId, signal: clientAbortOf(c) });
  });

  app.post("/v1/embeddings", async (c: Context) => {
    const caller = await ctx.governance.authenticate(c.req.header("authorization"));
    const step: EarlyStep = { kind: "route", target: "-", stream: false };
    const { body, model } = await ledgerEarlyRefusal(ctx, c, caller, step, async () => {
      const read = await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes);
      step.target = modelNamed(read);
      const named = read.model;
      if (typeof named !== "string" || named === "") throw invalidRequest("model is required", "model");
      if (read.input === undefined) throw invalidRequest("input is required", "input");
      if (!ctx.relay.has(named)) throw unknownModel(ctx, named);
      return { body: read, model: named };
    });
    c.set("frugalTarget", model);
    return callRoute({ ctx, caller, route: model, operation: "embeddings", body, view: undefined, requestId: requestIdOf(c), signal: clientAbortOf(c) });
  });
}
