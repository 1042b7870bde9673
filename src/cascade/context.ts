/**
 * Prompt reduction for per-field escalation: an escalated field's prompt carries the lines the extractor ranked most likely
 * to hold it, each with `window` neighbouring lines on both sides, in document order, skipped runs marked "..." — not the
 * whole document. The line logic is the extractor's own (`reducedContext`), so ranked lines match the document exactly as
 * the extractor split it. A field the extractor found no line for gets no reduction: guessing which part of the document to
 * drop could hide its answer.
 */
import { reducedContext } from "../compact/extract/reduce.ts";

export interface ContextOptions {
  /** How many of the extractor's best lines per field (default 3). */
  topLines: number;
  /** Neighbouring lines kept on each side (default 1). */
  window: number;
}

export const DEFAULT_CONTEXT: ContextOptions = { topLines: 3, window: 1 };

/**
 * The reduced context of the escalated fields together (one LLM call asks for all of them), given under each field; or
 * undefined when some field has no ranked line (send the whole document).
 */
export function windowedContext(
  text: string,
  fieldLines: Readonly<Record<string, readonly string[]>>,
  fields: readonly string[],
  options: ContextOptions = DEFAULT_CONTEXT,
): Record<string, string[]> | undefined {
  const predictions = fields.map((f) => ({ value: null, confidence: 0, lines: (fieldLines[f] ?? []).slice(0, options.topLines) }));
  if (predictions.some((p) => p.lines.length === 0)) return undefined;
  const reduced = reducedContext(text, predictions, { window: options.window });
  if (reduced.fullDocument) return undefined;
  const lines = reduced.text.split("\n");
  return Object.fromEntries(fields.map((f) => [f, lines]));
}
