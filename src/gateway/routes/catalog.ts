/** What the gateway offers and how it is: `GET /v1/models`, `/healthz`, `/readyz`, `/metrics`. */
import type { Context, Hono } from "hono";
import type { GatewayContext } from "../context.ts";

export function registerCatalogRoutes(app: Hono, ctx: GatewayContext): void {
  const started = Math.floor(Date.now() / 1000);
  app.get("/v1/models", async (c: Context) => {
    await ctx.governance.authenticate(c.req.header("authorization"));
    const tasks = ctx.tasks.names().map((id) => ({ id, object: "model", created: started, owned_by: "frugal:task" }));
    const routes = ctx.relay.routeNames().map((id) => ({ id, object: "model", created: started, owned_by: "frugal:route" }));
    return c.json({ object: "list", data: [...tasks, ...routes] });
  });
  app.get("/healthz", (c: Context) => c.json({ status: "ok" }));
  // Not ready while draining (a load balancer stops sending before the process stops answering), nor while a store the
  // gateway cannot serve without is down: the ledger with its spill full, or the counters when budgets fail closed.
  // Liveness (/healthz) stays 200 through both: restarting the process would not bring a store back.
  app.get("/readyz", async (c: Context) => {
    if (ctx.inFlight.draining) return c.json({ status: "draining" }, 503);
    const stores = await ctx.stores.health();
    const down = [...(stores.ledger === "down" ? ["ledger"] : []), ...(stores.counters === "down" && ctx.config.counters.on_unavailable === "closed" ? ["counters"] : [])];
    if (down.length > 0) return c.json({ status: "unavailable", down, stores, kinds: ctx.stores.kinds }, 503);
    return c.json({ status: "ready", tasks: ctx.tasks.names(), routes: ctx.relay.routeNames(), stores, kinds: ctx.stores.kinds });
  });
  app.get("/metrics", async (c: Context) => {
    for (const b of ctx.relay.breakerStates()) ctx.metrics.breaker(b.upstream, b.model, b.state);
    const spill = ctx.stores.spill();
    if (spill !== undefined) ctx.metrics.spill(spill.rows, spill.bytes);
    return c.text(await ctx.metrics.text(), 200, { "content-type": ctx.metrics.registry.contentType });
  });
}
