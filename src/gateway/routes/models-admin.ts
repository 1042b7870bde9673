/**
 * Model versions over HTTP, behind FRUGAL_ADMIN_KEY like every admin route: what `frugal promote --url` and
 * `frugal models rollback --url` call to change what a running gateway serves, without a restart (hot reload: requests in
 * flight finish on the old model, the next ones get the new one).
 *   GET  /admin/models/{task}            versions, status, certificates, shadow counts (live)
 *   POST /admin/models/{task}/promote    {version?}: the candidate (or that version) becomes current
 *   POST /admin/models/{task}/rollback   back to the version current before
 */
import type { Context, Hono } from "hono";
import { FrugalError } from "../../core/errors.ts";
import type { ModelRegistry } from "../../improve/registry.ts";
import { modelsView } from "../../improve/models-view.ts";
import type { GatewayContext } from "../context.ts";
import { invalidRequest } from "../openai-errors.ts";
import { readJsonObject } from "../request-body.ts";
import { adminGuard } from "./admin.ts";
import { bodySourceOf } from "./node-io.ts";

export function registerModelAdminRoutes(app: Hono, ctx: GatewayContext, registry: ModelRegistry): void {
  const guard = adminGuard(ctx.adminKey);
  const taskOf = (c: Context): string => {
    const name = c.req.param("task") ?? "";
    if (ctx.tasks.get(name)?.compact === undefined) throw new FrugalError("not_found", `no classify task named "${name}" with a compact tier on this gateway`);
    return name;
  };
  app.get("/admin/models/:task", (c) => {
    guard(c);
    const task = taskOf(c);
    return c.json(modelsView(registry, task, ctx.models.shadow(task)));
  });
  app.post("/admin/models/:task/promote", async (c) => {
    guard(c);
    const task = taskOf(c);
    // No body: promote the candidate.
    const body = c.req.header("content-length") === "0" || c.req.header("content-length") === undefined && c.req.header("transfer-encoding") === undefined ? {} : await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes);
    if (body.version !== undefined && typeof body.version !== "string") throw invalidRequest("version must be a string (e.g. v3)", "version");
    const result = await ctx.models.promote(task, { by: "admin", ...(body.version !== undefined ? { version: body.version } : {}) });
    return c.json({ task, promoted: result.promoted, previous: result.previous ?? "config", serving: ctx.tasks.get(task)?.compact?.version });
  });
  app.post("/admin/models/:task/rollback", async (c) => {
    guard(c);
    const task = taskOf(c);
    const result = await ctx.models.rollback(task, { by: "admin" });
    return c.json({ task, restored: result.restored ?? "config", retired: result.retired, serving: ctx.tasks.get(task)?.compact?.version });
  });
}
