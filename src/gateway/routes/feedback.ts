/**
 * `POST /v1/feedback {request_id, answer, task?}`: the right answer to an earlier task request, from whoever knows it (an
 * agent who corrected it, a downstream system). Ledgered as a `feedback` row under the request's id, with the answer in its
 * body: `frugal distill` takes it as a gold label, over the LLM's. The request must be in this gateway's ledger and belong
 * to the caller's team (another team's request id is "unknown", not "forbidden": ids do not leak across tenants).
 */
import type { Context, Hono } from "hono";
import { FrugalError } from "../../core/errors.ts";
import type { LedgerStore } from "../../ledger/index.ts";
import { unbilledEntry } from "../../ledger/unbilled-entry.ts";
import type { GatewayContext } from "../context.ts";
import { invalidRequest } from "../openai-errors.ts";
import { readJsonObject } from "../request-body.ts";
import { bodySourceOf } from "./node-io.ts";
import { requestIdOf } from "./request-id.ts";

/** The answer checked against the task's output contract, when the task is still served. */
function checkAnswer(ctx: GatewayContext, taskName: string, answer: unknown): string | Record<string, string | null> {
  const spec = ctx.tasks.get(taskName)?.spec;
  if (typeof answer === "string") {
    if (answer.trim() === "") throw invalidRequest("answer must not be empty", "answer");
    if (spec?.kind === "extract") throw invalidRequest(`task ${taskName} extracts fields: answer must be an object of field values`, "answer");
    if (spec?.labels !== undefined && !spec.labels.includes(answer)) throw invalidRequest(`"${answer}" is not a label of task ${taskName}`, "answer");
    return answer;
  }
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) throw invalidRequest("answer must be a label (string) or an object of field values", "answer");
  if (spec?.kind === "classify") throw invalidRequest(`task ${taskName} classifies: answer must be one of its labels`, "answer");
  const fields = answer as Record<string, unknown>;
  for (const [field, value] of Object.entries(fields)) {
    if (spec?.fields !== undefined && !spec.fields.includes(field)) throw invalidRequest(`task ${taskName} has no field "${field}"`, "answer");
    if (value !== null && typeof value !== "string") throw invalidRequest(`answer.${field} must be a string or null`, "answer");
  }
  return fields as Record<string, string | null>;
}

export function registerFeedbackRoutes(app: Hono, ctx: GatewayContext, ledger: LedgerStore): void {
  app.post("/v1/feedback", async (c: Context) => {
    const caller = await ctx.governance.authenticate(c.req.header("authorization"));
    const body = await readJsonObject(bodySourceOf(c), ctx.config.server.body_limit_bytes);
    const id = body.request_id;
    if (typeof id !== "string" || id.trim() === "") throw invalidRequest("request_id must be the id of an earlier task request (x-frugal-request-id)", "request_id");
    if (body.answer === undefined) throw invalidRequest("answer is required", "answer");
    if (body.task !== undefined && typeof body.task !== "string") throw invalidRequest("task must be a string", "task");
    const row = await ledger.findRequest(id);
    if (row === undefined || row.team !== caller.team) throw new FrugalError("not_found", `no request ${id} in this gateway's ledger`, { details: { param: "request_id" } });
    if (row.kind !== "task") throw invalidRequest(`request ${id} was for route ${row.target}: feedback is for task requests`, "request_id");
    if (body.task !== undefined && body.task !== row.target) throw invalidRequest(`request ${id} was for task ${row.target}, not ${body.task}`, "task");
    c.set("frugalTarget", row.target);
    const answer = checkAnswer(ctx, row.target, body.answer);
    const feedbackId = requestIdOf(c);
    await ledger.append(
      unbilledEntry({ requestId: row.requestId, keyId: caller.keyId, team: caller.team, kind: "feedback", target: row.target, body: JSON.stringify({ answer, feedback_id: feedbackId }) }),
    );
    // Without the request's stored input the gold answer is on record but cannot train anything.
    return c.json({ request_id: row.requestId, task: row.target, accepted: true, usable_for_distillation: row.body !== null }, 200, { "x-frugal-request-id": feedbackId });
  });
}
