/**
 * The Node side of a Hono request on @hono/node-server. Reading the body from Node's IncomingMessage and watching the
 * ServerResponse for an early close avoids building a Web Request and an AbortSignal per request (~30 µs each on Node 20,
 * measured in bench/relay-overhead.ts); tests that call app.request() without a server fall back to the Web objects.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import { CallAbort } from "../../relay/index.ts";
import type { BodySource } from "../request-body.ts";

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

export function bodySourceOf(c: Context): BodySource {
  return (c.env as NodeBindings | undefined)?.incoming ?? c.req.raw;
}

/** Aborts when the client goes away before its response is complete: the upstream call is stopped at once. */
export function clientAbortOf(c: Context): CallAbort | AbortSignal {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  if (outgoing === undefined) return c.req.raw.signal;
  const abort = new CallAbort();
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) abort.abort();
  });
  return abort;
}

/**
 * The same for a task's cascade, which takes a standard AbortSignal (its LLM tier listens only if it is reached). A task
 * without an LLM tier gets none: its compact and cache tiers answer synchronously, so there is nothing to stop, and an
 * AbortSignal costs a measurable share of a compact answer (bench/gateway.ts --cpu-prof).
 */
export function clientSignalOf(c: Context, task: { tiers: ReadonlyArray<{ kind: string }> }): AbortSignal | undefined {
  if (!task.tiers.some((tier) => tier.kind === "llm")) return undefined;
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  if (outgoing === undefined) return c.req.raw.signal;
  const controller = new AbortController();
  outgoing.once("close", () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller.signal;
}
