/**
 * The Hono application: routes, and the one error handler through which every failure leaves as an OpenAI error object.
 * Reading order of a request: routes/ (auth, body) → task-call.ts or route-call.ts (guard, budget, cascade or relay,
 * meter, ledger) → task-response.ts or the relayed body.
 */
import { extend } from "../core/objects.ts";
import { Hono, type Context } from "hono";
import { FrugalError } from "../core/errors.ts";
import type { ModelRegistry } from "../improve/registry.ts";
import type { KeyStore, LedgerStore } from "../ledger/index.ts";
import type { GatewayContext } from "./context.ts";
import { toHttpError } from "./openai-errors.ts";
import { registerAdminRoutes } from "./routes/admin.ts";
import { registerFeedbackRoutes } from "./routes/feedback.ts";
import { registerModelAdminRoutes } from "./routes/models-admin.ts";
import { registerCatalogRoutes } from "./routes/catalog.ts";
import { registerChatRoutes } from "./routes/chat.ts";
import { registerTaskRoutes } from "./routes/tasks.ts";
import { requestIdOf } from "./routes/request-id.ts";

// What a handler tells the metrics middleware, instead of the middleware reading response headers (which takes
// @hono/node-server's responses off their fast path).
declare module "hono" {
  interface ContextVariableMap {
    /** The task or route a request was for. */
    frugalTarget: string;
    /** A relayed stream: it records its own duration when it ends. */
    frugalStream: boolean;
    /** The request's id (routes/request-id.ts), also sent on errors. */
    frugalRequestId: string;
  }
}

function operationOf(path: string): string {
  if (path.startsWith("/v1/chat")) return "chat";
  if (path.startsWith("/v1/tasks")) return "task";
  if (path.startsWith("/v1/embeddings")) return "embeddings";
  return "other";
}

export function createGatewayApp(ctx: GatewayContext, stores: { keys: KeyStore; ledger: LedgerStore; registry: ModelRegistry }): Hono {
  const app = new Hono();
  const fail = (error: unknown, c: Context): Response => {
    const e = toHttpError(error, (bug) => ctx.log.error("request failed", { error: bug instanceof Error ? bug.stack : String(bug), path: c.req.path }));
    return c.json(e.body, e.status as 400, extend(e.headers, { "x-frugal-request-id": requestIdOf(c) }));
  };
  app.onError(fail);
  app.notFound((c) => fail(new FrugalError("not_found", `no route ${c.req.method} ${c.req.path} (see GET /v1/models, POST /v1/chat/completions, POST /v1/tasks/{task})`), c));
  app.use("/v1/*", async (c, next) => {
    const started = performance.now();
    ctx.inFlight.count++;
    try {
      await next();
    } finally {
      ctx.inFlight.count--;
      // Relayed streams record their own duration when they end; this records how long the rest took to answer.
      if (c.get("frugalStream") !== true) {
        ctx.metrics.request({ operation: operationOf(c.req.path), target: c.get("frugalTarget") ?? "-", status: c.res.status }, (performance.now() - started) / 1000);
      }
    }
  });
  registerChatRoutes(app, ctx);
  registerTaskRoutes(app, ctx);
  registerCatalogRoutes(app, ctx);
  registerAdminRoutes(app, ctx, stores);
  registerFeedbackRoutes(app, ctx, stores.ledger);
  registerModelAdminRoutes(app, ctx, stores.registry);
  return app;
}
