/** `POST /v1/tasks/{task}`: frugal's native form `{input, tags?}` → answer, confidence, fields, tier, steps, usage, cost. */
import type { Context, Hono } from "hono";
import { FrugalError } from "../../core/errors.ts";
import type { GatewayContext } from "../context.ts";
import { invalidRequest } from "../openai-errors.ts";
import { readJsonObject } from "../request-body.ts";
import { callTask } from "../task-call.ts";
import { frugalHeaders, nativeAnswer } from "../task-response.ts";
import { bodySourceOf, clientSignalOf } from "./node-io.ts";
import { requestIdOf } from "./request-id.ts";

export function registerTaskRoutes(app: Hono, ctx: GatewayContext): void {
  app.post("/v1/tasks/:task", async (c: Context) => {
    const caller = await ctx.governance.authenticate(c.req.header("authorization"));
    const name = c.req.param("task") ?? "";
    const task = ctx.tasks.get(name);
    if (task === undefined) throw new FrugalError("not_found", `no task named "${name}" (tasks: ${ctx.tasks.names().join(", ") || "none"})`);
    c.set("frugalTarget", name);
    const body = await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes);
    if (typeof body.input !== "string" || body.input.trim() === "") throw invalidRequest("input must be a non-empty string", "input");
    const tags = body.tags;
    if (tags !== undefined && (!Array.isArray(tags) || !tags.every((t) => typeof t === "string"))) throw invalidRequest("tags must be an array of strings", "tags");
    const outcome = await callTask({ ctx, caller, task, text: body.input, ...(tags !== undefined ? { tags: tags as string[] } : {}), requestId: requestIdOf(c), signal: clientSignalOf(c), stream: false });
    return c.json(nativeAnswer(outcome), 200, frugalHeaders(outcome));
  });
}
