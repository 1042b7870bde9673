/**
 * Ledger rows → labeled documents for distilling an extract task, the extract twin of ledger-dataset.ts. Per field, who
 * labeled it: an LLM answer counts only for the fields the LLM tier gave (a request partly kept by the compact tier has
 * the compact answer in its other fields — training on those would teach the extractor its own guesses). Bodies say so in
 * `field_tier_kind` (src/gateway/task-call.ts); an older body without it is not used (its `tier_kind` names only the last
 * tier that gave a field). Gold feedback (`POST /v1/feedback` with an
 * object of field values) wins, field by field, over the seed and the LLM (the precedence of distill-split.ts).
 */
import type { LedgerRow, LedgerStore } from "../ledger/index.ts";
import type { LabelSource } from "./distill-split.ts";
import { textKey } from "./distill-split.ts";
import { parseJson, readLedgerRows, type LedgerDataset, type LedgerDatasetStats } from "./ledger-dataset.ts";

/** One document as one source labeled it: only the fields that source gave (null: "the document has none"). */
export interface LabeledFieldsRow {
  text: string;
  fields: Record<string, string | null>;
  source: LabelSource;
}

/** One document after the merge: per field, its value and which source it came from. */
export interface MergedDocument {
  text: string;
  fields: Record<string, { value: string; source: LabelSource }>;
}

export interface ExtractLedgerDataset extends Omit<LedgerDataset, "distilled" | "gold"> {
  distilled: LabeledFieldsRow[];
  gold: LabeledFieldsRow[];
  /** LLM-answered rows whose compact tier kept some fields: only the LLM's fields were taken. */
  partlyKept: number;
}

const PRECEDENCE: Record<LabelSource, number> = { gold: 0, seed: 1, llm: 2 };

function fieldsOf(value: unknown): Record<string, string | null> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string" || v === null) out[k] = v;
  return out;
}

/** The fields of a stored extract answer that the LLM tier gave, or undefined when none did. */
function llmFields(row: LedgerRow, body: Record<string, unknown>): { fields: Record<string, string | null>; partly: boolean } | undefined {
  const output = body.output as { kind?: unknown; fields?: unknown } | undefined;
  const all = output?.kind === "extract" ? fieldsOf(output.fields) : undefined;
  if (all === undefined || row.cacheHit) return undefined;
  const kinds = body.field_tier_kind as Record<string, unknown> | undefined;
  // A body written before `field_tier_kind` cannot tell which fields the LLM gave (`tier_kind` names only the last tier).
  if (kinds === undefined || kinds === null || typeof kinds !== "object") return undefined;
  const fields = Object.fromEntries(Object.entries(all).filter(([f]) => kinds[f] === "llm"));
  const n = Object.keys(fields).length;
  return n === 0 ? undefined : { fields, partly: n < Object.keys(all).length };
}

export async function extractDatasetFromLedger(ledger: LedgerStore, options: { task: string; since?: string }): Promise<ExtractLedgerDataset> {
  const rows = await readLedgerRows(ledger, options.since, (r) => (r.kind === "task" || r.kind === "feedback") && r.target === options.task);
  const stats: LedgerDatasetStats = { taskRows: 0, withBody: 0, llmAnswered: 0, feedback: 0, feedbackWithoutInput: 0 };
  const inputs = new Map<string, string>();
  const distilled: LabeledFieldsRow[] = [];
  const gold = new Map<string, Record<string, string | null>>();
  let partlyKept = 0;
  for (const row of rows) {
    if (row.kind === "task") {
      stats.taskRows++;
      const body = row.status === 200 ? parseJson(row.body) : undefined;
      if (body === undefined || typeof body.input !== "string") continue;
      stats.withBody++;
      inputs.set(row.requestId, body.input);
      const answered = llmFields(row, body);
      if (answered === undefined) continue;
      stats.llmAnswered++;
      if (answered.partly) partlyKept++;
      distilled.push({ text: body.input, fields: answered.fields, source: "llm" });
      continue;
    }
    stats.feedback++;
    const answer = fieldsOf(parseJson(row.body)?.answer);
    if (!inputs.has(row.requestId) || answer === undefined) stats.feedbackWithoutInput++;
    // The latest feedback of a request replaces an earlier one.
    else gold.set(row.requestId, answer);
  }
  return { distilled, gold: [...gold].map(([id, fields]) => ({ text: inputs.get(id)!, fields, source: "gold" as const })), stats, partlyKept };
}

/**
 * One document per text key; per field, the value of the highest-precedence source that labeled it (gold > seed > LLM;
 * among equals, the first seen: ledger order). Fields outside `fields` are ignored.
 */
export function mergeDocuments(groups: ReadonlyArray<readonly LabeledFieldsRow[]>, fields: readonly string[]): MergedDocument[] {
  const byKey = new Map<string, MergedDocument>();
  for (const group of groups) {
    for (const row of group) {
      const key = textKey(row.text);
      const doc = byKey.get(key) ?? { text: row.text, fields: {} };
      byKey.set(key, doc);
      for (const field of fields) {
        // null ("the document has none") trains nothing (the trainer reads it as unlabeled): it must not hide a value.
        if (row.fields[field] === undefined || row.fields[field] === null) continue;
        const held = doc.fields[field];
        if (held === undefined || PRECEDENCE[row.source] < PRECEDENCE[held.source]) doc.fields[field] = { value: row.fields[field], source: row.source };
      }
    }
  }
  return [...byKey.values()].filter((d) => Object.keys(d.fields).length > 0);
}
