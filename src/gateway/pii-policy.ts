/**
 * A task's or route's PII policy applied to one request, over src/guard. The only file of the gateway that knows the
 * guard's API: it returns what the handler needs — the text or messages to send on, a session to restore placeholders in
 * the answer (redact), whether only on-prem tiers may answer (local_only), and counts by type for the ledger (never values).
 */
import { FrugalError } from "../core/errors.ts";
import { createRedactionSession, summarize, type PiiGuard, type RedactionSession } from "../guard/index.ts";
import type { PiiPolicy } from "./config.ts";

export interface PiiOutcome<T> {
  value: T;
  /** Set under `redact` when something was replaced: restores the answer. */
  session: RedactionSession | undefined;
  localOnly: boolean;
  counts: Record<string, number>;
}

const NOTHING: Record<string, number> = Object.freeze({}) as Record<string, number>;

function decide<T>(policy: PiiPolicy, target: string, original: T, found: { total: number; byType: Record<string, number> }, redacted: () => { value: T; session: RedactionSession }): PiiOutcome<T> {
  if (found.total === 0) return { value: original, session: undefined, localOnly: false, counts: NOTHING };
  if (policy === "block") {
    const types = Object.keys(found.byType).join(", ");
    throw new FrugalError("pii_detected", `${target}: the request holds personal data (${types}) and its PII policy is block`, { details: { param: "messages", pii: found.byType } });
  }
  if (policy === "local_only") return { value: original, session: undefined, localOnly: true, counts: found.byType };
  const { value, session } = redacted();
  return { value, session, localOnly: false, counts: found.byType };
}

export function applyPiiToText(guard: PiiGuard, policy: PiiPolicy, target: string, text: string): PiiOutcome<string> {
  if (policy === "off") return { value: text, session: undefined, localOnly: false, counts: NOTHING };
  const findings = guard.scan(text);
  return decide(policy, target, text, summarize(findings), () => {
    const session = createRedactionSession();
    return { value: guard.redactText(text, session), session };
  });
}

export type ChatMessages = Array<Record<string, unknown>>;

export function applyPiiToMessages(guard: PiiGuard, policy: PiiPolicy, target: string, messages: ChatMessages): PiiOutcome<ChatMessages> {
  if (policy === "off") return { value: messages, session: undefined, localOnly: false, counts: NOTHING };
  // One pass that both finds and redacts, in a session that is dropped when nothing was found.
  const session = createRedactionSession();
  const redacted = guard.redactMessages(messages, session);
  return decide(policy, target, messages, summarize(redacted.findings), () => ({ value: redacted.messages as ChatMessages, session }));
}

/**
 * An embeddings request carries its text in `input`: a string or an array of strings, scanned like messages so one
 * policy covers both operations. Token-id arrays are not text and pass as they are. The value is the input to send on.
 */
export function applyPiiToEmbeddingInput(guard: PiiGuard, policy: PiiPolicy, target: string, input: unknown): PiiOutcome<unknown> {
  const texts = typeof input === "string" ? [input] : Array.isArray(input) ? input.filter((part): part is string => typeof part === "string") : [];
  const outcome = applyPiiToMessages(guard, policy, target, texts.map((content) => ({ role: "user", content })));
  if (outcome.session === undefined) return { ...outcome, value: input };
  const redacted = outcome.value.map((m) => m.content as string);
  let next = 0;
  const value = typeof input === "string" ? redacted[0] : (input as unknown[]).map((part) => (typeof part === "string" ? redacted[next++] : part));
  return { ...outcome, value };
}
