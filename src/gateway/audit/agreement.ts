/**
 * Whether the LLM tier agrees with a kept compact answer, per answer stream: the label of a classify task (stream ""), or
 * each kept field of an extract task, compared after the same normalization the PoC scores fields with
 * (src/compact/extract/normalize.ts), so an audit disagrees only where a scored answer would be wrong.
 */
import { valuesMatch } from "../../compact/extract/normalize.ts";
import type { TaskOutput } from "../../core/types.ts";

/** The stream of a classify task's label. */
export const LABEL_STREAM = "";

/** stream → agreement, for the streams given. A stream the LLM left without an answer is a disagreement. */
export function agreementOf(compact: TaskOutput, llm: TaskOutput, streams: readonly string[]): Record<string, boolean> {
  const agree: Record<string, boolean> = {};
  for (const stream of streams) {
    if (compact.kind === "classify") agree[stream] = llm.kind === "classify" && llm.label === compact.label;
    else if (compact.kind === "extract") {
      const mine = compact.fields[stream] ?? null;
      const theirs = llm.kind === "extract" ? (llm.fields[stream] ?? null) : null;
      // Both found nothing: agreement. One found nothing: not.
      agree[stream] = theirs === null ? mine === null : valuesMatch(mine, theirs);
    }
  }
  return agree;
}

/** The confidence of each stream in a compact answer. */
export function streamConfidences(output: TaskOutput, confidence: number, fieldConfidence: Readonly<Record<string, number>> | undefined): Record<string, number> {
  if (output.kind !== "extract") return { [LABEL_STREAM]: confidence };
  return Object.fromEntries(Object.keys(output.fields).map((f) => [f, fieldConfidence?.[f] ?? 0]));
}
