/**
 * Turns a task into the prompt an LLM tier sends, and the LLM's extraction answer back into fields. One rendering path for
 * every provider. For per-field escalation the prompt names only the requested fields and, when an earlier tier ranked the
 * document's lines, carries those lines instead of the whole document (prompt reduction).
 */
import type { TaskSpec } from "../core/types.ts";
import type { JsonSchemaFormat } from "../providers/types.ts";

export const DEFAULT_TEMPLATES = {
  classify:
    "Classify the message into exactly one of these labels:\n{{labels}}\n\nMessage: {{text}}\n\nAnswer with the label only, exactly as written above.",
  extract:
    "Extract these fields from the document: {{fields}}.\nAnswer with one JSON object with exactly these keys; use null for a field the document does not contain.\n\nDocument:\n{{text}}",
  chat: "{{text}}",
} as const;

export interface PromptInput {
  text: string;
  fields?: readonly string[];
  /** Per field, the lines to send instead of the whole document (already windowed), best first. */
  contextLines?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The context lines of the requested fields, in order: a list equal to one already taken (the cascade gives every field
 * escalated together the same reduced context) is taken once; otherwise lines already present are skipped, except the
 * "..." markers of skipped runs.
 */
export function reducedText(fields: readonly string[], contextLines: Readonly<Record<string, readonly string[]>>): string {
  const lists = new Set<string>();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const field of fields) {
    const list = contextLines[field] ?? [];
    const key = list.join("\n");
    if (list.length === 0 || lists.has(key)) continue;
    lists.add(key);
    for (const line of list) {
      if (line !== "..." && seen.has(line)) continue;
      seen.add(line);
      out.push(line);
    }
  }
  return out.join("\n");
}

export function renderPrompt(task: TaskSpec, input: PromptInput): { prompt: string; reduced: boolean; text: string } {
  const template = task.promptTemplate ?? DEFAULT_TEMPLATES[task.kind];
  const fields = input.fields ?? task.fields ?? [];
  const context = input.contextLines === undefined ? "" : reducedText(fields, input.contextLines);
  const reduced = context !== "";
  const text = reduced ? context : input.text;
  // One pass over the template so a document containing "{{labels}}" is not expanded a second time.
  const prompt = template.replace(/\{\{\s*(text|labels|fields)\s*\}\}/g, (_, key: string) => {
    if (key === "text") return text;
    if (key === "labels") return (task.labels ?? []).join("\n");
    return fields.join(", ");
  });
  return { prompt, reduced, text };
}

export function extractionSchema(fields: readonly string[]): JsonSchemaFormat {
  const properties: Record<string, unknown> = {};
  for (const field of fields) properties[field] = { type: ["string", "null"] };
  return { name: "fields", schema: { type: "object", properties, required: [...fields], additionalProperties: false } };
}

export function classificationSchema(labels: readonly string[]): JsonSchemaFormat {
  return {
    name: "label",
    schema: { type: "object", properties: { label: { type: "string", enum: [...labels] } }, required: ["label"], additionalProperties: false },
  };
}

/**
 * Reads the requested fields from an extraction answer: the first JSON object in the text (models wrap it in prose or a
 * code fence). Numbers are turned into strings; a missing key is null. Null when there is no JSON object, or a value is
 * neither a string, a number nor null: the answer fails the schema.
 */
export function parseFields(answer: string, fields: readonly string[]): Record<string, string | null> | null {
  const start = answer.indexOf("{");
  const end = answer.lastIndexOf("}");
  if (start < 0 || end <= start) return null;
  let value: unknown;
  try {
    value = JSON.parse(answer.slice(start, end + 1));
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const out: Record<string, string | null> = {};
  for (const field of fields) {
    const v = record[field];
    if (v === undefined || v === null) out[field] = null;
    else if (typeof v === "string") out[field] = v.trim() === "" ? null : v;
    else if (typeof v === "number") out[field] = String(v);
    else return null;
  }
  return out;
}
