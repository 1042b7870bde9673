/**
 * Which parts of an answer an audit is about. Only streams the certificate keeps (compact confidence ≥ the model's own
 * threshold) are audited: the guard watches the certificate's claim, nothing else. Of those, the ones the compact answer
 * still stands for need a background LLM call; the ones a raised threshold escalated were answered by the LLM already,
 * so their agreement is known at once (`free`). Cache hits, degraded answers and rule-routed requests (no compact answer)
 * are not audited.
 */
import { agreementOf, streamConfidences } from "./agreement.ts";
import type { AnsweredRequest, KeeperInfo } from "./types.ts";

export interface AuditPlan {
  /** The compact confidence of each stream. */
  confidences: Record<string, number>;
  /** Streams the compact answer stands for: to be checked by the LLM tier. */
  kept: string[];
  /** Streams the LLM answered after a raised threshold escalated them: their agreement. */
  free: Record<string, boolean> | undefined;
}

export function planAudit(keeper: KeeperInfo, request: AnsweredRequest): AuditPlan | undefined {
  if (request.cacheHit || request.degraded || request.compact === undefined) return undefined;
  const { output, confidence, fieldConfidence } = request.compact;
  const confidences = streamConfidences(output, confidence, fieldConfidence);
  const eligible = Object.entries(keeper.thresholds)
    .filter(([stream, threshold]) => (confidences[stream] ?? Number.NEGATIVE_INFINITY) >= threshold)
    .map(([stream]) => stream);
  if (eligible.length === 0) return undefined;
  const standing = (stream: string): boolean => (output.kind === "extract" ? request.fieldSource?.[stream] === keeper.tier : !request.escalated);
  const kept = eligible.filter(standing);
  const escalated = eligible.filter((s) => !standing(s));
  return { confidences, kept, free: escalated.length === 0 ? undefined : agreementOf(output, request.output, escalated) };
}
