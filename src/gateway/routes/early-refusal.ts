/**
 * The steps between authentication and a known task or route — reading the body, validating it, resolving the model —
 * can refuse an authenticated caller (400, 404, 413). For record-keeping such a refusal is a request too, so it gets a
 * ledger row like the later refusals (budget, rate, PII), with the target as the client named it (cut to a sane length:
 * a model name is client text).
 */
import type { Context } from "hono";
import type { LedgerKind } from "../../ledger/index.ts";
import type { GatewayContext } from "../context.ts";
import type { Caller } from "../governance.ts";
import { requestIdOf } from "./request-id.ts";

const MAX_TARGET_CHARS = 200;

/**
 * What the request named so far, filled in by the step as it reads the body: a record, not callbacks, because tsx
 * names every closure it creates (~0.8 µs each) and this runs on every request.
 */
export interface EarlyStep {
  kind: LedgerKind;
  /** The model or task the request named ("-" while it named nothing readable). */
  target: string;
  stream: boolean;
}

export async function ledgerEarlyRefusal<T>(ctx: GatewayContext, c: Context, caller: Caller, step: EarlyStep, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } catch (error) {
    const target = step.target.slice(0, MAX_TARGET_CHARS) || "-";
    const request = { requestId: requestIdOf(c), kind: step.kind, target, stream: step.stream, latencyMs: performance.now() - started };
    await ctx.governance.recordRefusal(caller, request, error).catch((ledgerError) => ctx.log.error("ledger write failed", { error: String(ledgerError) }));
    throw error;
  }
}
