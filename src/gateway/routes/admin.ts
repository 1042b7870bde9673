/**
 * Admin routes, off unless FRUGAL_ADMIN_KEY is set, and then only for that key (compared in constant time): keys
 * (list, create, revoke), a ledger chain check and the tasks' audit status, for operators who cannot run the CLI next to
 * the data directory.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import { z } from "zod";
import { validateConfig } from "../../core/config-file.ts";
import { FrugalError } from "../../core/errors.ts";
import type { KeyStore, LedgerStore } from "../../ledger/index.ts";
import type { GatewayContext } from "../context.ts";
import { readJsonObject } from "../request-body.ts";
import { bodySourceOf } from "./node-io.ts";

const createKeySchema = z
  .object({
    team: z.string().trim().min(1),
    name: z.string().min(1).optional(),
    budget_usd: z.number().positive().optional(),
    period: z.enum(["day", "month"]).optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    allow: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/** The check every admin route makes first (here and in models-admin.ts). */
export function adminGuard(adminKey: string | undefined): (c: Context) => void {
  const expected = adminKey === undefined ? undefined : digest(adminKey);
  return (c) => {
    if (expected === undefined) throw new FrugalError("not_found", "admin routes are off: set FRUGAL_ADMIN_KEY to enable them");
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    if (match === null || !timingSafeEqual(digest(match[1]!), expected)) throw new FrugalError("unauthorized", "admin routes need `Authorization: Bearer $FRUGAL_ADMIN_KEY`");
  };
}

export function registerAdminRoutes(app: Hono, ctx: GatewayContext, stores: { keys: KeyStore; ledger: LedgerStore }): void {
  const guard = adminGuard(ctx.adminKey);
  app.get("/admin/keys", async (c) => {
    guard(c);
    return c.json({ data: await stores.keys.list({ includeRevoked: c.req.query("revoked") === "true" }) });
  });
  app.post("/admin/keys", async (c) => {
    guard(c);
    const body = validateConfig(createKeySchema, await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes), "request body");
    if (body.period !== undefined && body.budget_usd === undefined) throw new FrugalError("input_invalid", "period needs budget_usd");
    const created = await stores.keys.create({
      team: body.team,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.budget_usd !== undefined ? { budgetUsd: body.budget_usd, period: body.period ?? "month" } : {}),
      ...(body.rpm !== undefined ? { rpm: body.rpm } : {}),
      ...(body.tpm !== undefined ? { tpm: body.tpm } : {}),
      ...(body.allow !== undefined ? { allow: body.allow } : {}),
    });
    return c.json({ ...created.record, key: created.key }, 201);
  });
  app.delete("/admin/keys/:id", async (c) => {
    guard(c);
    const revoked = await stores.keys.revoke(c.req.param("id") ?? "");
    if (revoked === undefined) throw new FrugalError("not_found", `no key with id ${c.req.param("id")}`);
    return c.json(revoked);
  });
  app.get("/admin/ledger/verify", async (c) => {
    guard(c);
    const result = await stores.ledger.verify();
    return c.json(result, result.ok ? 200 : 409);
  });
  // Per task: served and certified thresholds, drift guard, audits and the kept-error bounds (`frugal status`).
  app.get("/admin/status", (c) => {
    guard(c);
    return c.json(ctx.audits.status(ctx.tasks));
  });
}
