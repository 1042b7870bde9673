/** `POST /v1/tasks/{task}`: frugal's native form `{input, tags?}` → answer, confidence, fields, tier, steps, usage, cost. */
import type { Context, Hono } from "hono";
import { FrugalError } from "../../core/errors.ts";
import type { GatewayContext } from "../context.ts";
import { invalidRequest } from "../openai-errors.ts";
import { readJsonObject } from "../request-body.ts";
import { callTask } from "../task-call.ts";
import { frugalHeaders, nativeAnswer } from "../task-response.ts";
import { bodySourceOf, clientSignalOf } from "./node-io.ts";
import { ledgerEarlyRefusal } from "./early-refusal.ts";
import { requestIdOf } from "./request-id.ts";
import { jsonResponse } from "../json-response.ts";

export function registerTaskRoutes(app: Hono, ctx: GatewayContext): void {
  app.post("/v1/tasks/:task", async (c: Context) => {
    const caller = await ctx.governance.authenticate(c.req.header("authorization"));
    const name = c.req.param("task") ?? "";
    const { task, body, tags } = await ledgerEarlyRefusal(ctx, c, caller, { kind: "task", target: name, stream: false }, async () => {
      const named = ctx.tasks.get(name);
      if (named === undefined) throw new FrugalError("not_found", `no task named "${name}" (tasks: ${ctx.tasks.names().join(", ") || "none"})`);
      const read = await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes);
      if (typeof read.input !== "string" || read.input.trim() === "") throw invalidRequest("input must be a non-empty string", "input");
      const given = read.tags;
      if (given !== undefined && (!Array.isArray(given) || !given.every((t) => typeof t === "string"))) throw invalidRequest("tags must be an array of strings", "tags");
      return { task: named, body: read as Record<string, unknown> & { input: string }, tags: given as string[] | undefined };
    });
    c.set("frugalTarget", name);
    const outcome = await callTask({ ctx, caller, task, text: body.input, ...(tags !== undefined ? { tags } : {}), requestId: requestIdOf(c), signal: clientSignalOf(c, task), stream: false });
    return jsonResponse(JSON.stringify(nativeAnswer(outcome)), 200, frugalHeaders(outcome));
  });
}
