/**
 * Turns an LLM's free-text answer into one label of a closed set. LLMs answer "card_arrival", "Card Arrival.",
 * `"card_arrival"`, `{"label": "card_arrival"}`, "The intent is card_arrival because..." or "card_arival": each is
 * tried in that order, from the strictest reading to the loosest, and the method used lowers the confidence so a guess
 * is never reported as sure as an exact answer.
 */
import { editDistance } from "../core/text-distance.ts";

export type LabelParseMethod = "exact" | "normalized" | "json" | "in-sentence" | "edit-distance";

export interface ParsedLabel {
  label: string;
  method: LabelParseMethod;
  /** How much the parse itself can be trusted, before any model confidence. */
  parseConfidence: number;
}

// Strict readings are as good as the model's answer; a label found inside a sentence may be one the model was ruling out;
// an edit-distance match is a guess that scales with how close it was.
const METHOD_CONFIDENCE: Record<Exclude<LabelParseMethod, "edit-distance">, number> = {
  exact: 1,
  normalized: 1,
  json: 1,
  "in-sentence": 0.8,
};
/** Above this share of the label's length in edits, the nearest label is no match at all. */
const MAX_EDIT_SHARE = 0.34;

/** Lower case, quotes and end punctuation stripped, spaces/hyphens/underscores folded, so "Card Arrival." = "card_arrival". */
function normalizeLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[`"'“”‘’*]/g, "")
    .replace(/[\s_\-/]+/g, " ")
    .replace(/^[\s.:;,!?()[\]]+|[\s.:;,!?()[\]]+$/g, "")
    .trim();
}

function jsonLabel(text: string): string | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    const value = JSON.parse(text.slice(start, end + 1)) as unknown;
    if (value === null || typeof value !== "object") return undefined;
    const record = value as Record<string, unknown>;
    for (const key of ["label", "category", "intent", "class", "answer"]) {
      if (typeof record[key] === "string") return record[key];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export function parseLabel(answer: string, labels: readonly string[]): ParsedLabel | null {
  const trimmed = answer.trim();
  if (trimmed === "" || labels.length === 0) return null;
  if (labels.includes(trimmed)) return { label: trimmed, method: "exact", parseConfidence: METHOD_CONFIDENCE.exact };

  const byNormal = new Map<string, string>();
  for (const label of labels) byNormal.set(normalizeLabel(label), label);
  const firstLine = trimmed.split("\n")[0] ?? trimmed;
  const direct = byNormal.get(normalizeLabel(trimmed)) ?? byNormal.get(normalizeLabel(firstLine));
  if (direct !== undefined) return { label: direct, method: "normalized", parseConfidence: METHOD_CONFIDENCE.normalized };

  const fromJson = jsonLabel(trimmed);
  if (fromJson !== undefined) {
    const label = byNormal.get(normalizeLabel(fromJson));
    if (label !== undefined) return { label, method: "json", parseConfidence: METHOD_CONFIDENCE.json };
  }

  // A label inside a sentence: whole-word match on the normalized text; the longest wins, so "card payment wrong exchange
  // rate" is not read as "exchange rate".
  const sentence = ` ${normalizeLabel(fromJson ?? trimmed).replace(/[.,:;!?()[\]{}]/g, " ").replace(/\s+/g, " ")} `;
  let best: { label: string; length: number; at: number } | undefined;
  for (const [normal, label] of byNormal) {
    const at = sentence.indexOf(` ${normal} `);
    if (at < 0) continue;
    if (best === undefined || normal.length > best.length || (normal.length === best.length && at < best.at)) best = { label, length: normal.length, at };
  }
  if (best !== undefined) return { label: best.label, method: "in-sentence", parseConfidence: METHOD_CONFIDENCE["in-sentence"] };

  const candidate = normalizeLabel(fromJson ?? firstLine);
  let nearest: { label: string; distance: number; length: number } | undefined;
  for (const [normal, label] of byNormal) {
    const distance = editDistance(candidate, normal);
    if (nearest === undefined || distance < nearest.distance) nearest = { label, distance, length: normal.length };
  }
  if (nearest === undefined || nearest.distance > Math.ceil(nearest.length * MAX_EDIT_SHARE)) return null;
  return { label: nearest.label, method: "edit-distance", parseConfidence: 0.5 * (1 - nearest.distance / Math.max(1, nearest.length)) };
}
