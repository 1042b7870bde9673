/**
 * Labeled documents for extraction: JSONL rows `{"text": "...", "fields": {"<name>": "<value>", ...}}` (an `id` is kept when
 * present). Everything that makes a row unusable fails here naming file:line; what only makes a row incomplete — a receipt
 * without its address — is allowed, counted per field, and reported as one warning: real labeled sets have gaps, and
 * dropping the whole receipt would throw away its other fields.
 */
import { createHash } from "node:crypto";
import { FrugalError, where } from "../core/errors.ts";
import { readDataTable, requireColumns } from "./table.ts";

export const DEFAULT_MAX_DOCUMENT_CHARS = 20_000;

export interface LabeledDocument {
  /** The line in the source file. */
  line: number;
  id?: string;
  text: string;
  /** Gold values; null when the row lacks the field (absent, null or empty). */
  fields: Record<string, string | null>;
}

export interface LabeledDocumentSet {
  file: string;
  documents: LabeledDocument[];
  /** Sorted union of the field names seen. */
  fields: string[];
  /** Per field, how many documents lack it. */
  missing: Record<string, number>;
  /** Documents whose text was cut at maxChars. */
  truncated: number;
  /** Human-readable warnings (missing fields, truncation), for the CLI to print. */
  warnings: string[];
}

export interface ReadLabeledDocumentsOptions {
  textKey?: string;
  fieldsKey?: string;
  /** Texts longer than this are truncated with a warning (default 20,000 characters). */
  maxChars?: number;
  /** When false, rows without a fields object are allowed (prediction-only files). */
  requireFields?: boolean;
}

function fieldValue(file: string, line: number, name: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") {
    throw new FrugalError("input_invalid", `${where(file, { line })}: field "${name}" must be a string, found ${Array.isArray(value) ? "an array" : typeof value}`, {
      details: { file, line, field: name },
    });
  }
  return value.trim() === "" ? null : value;
}

export function readLabeledDocuments(file: string, options: ReadLabeledDocumentsOptions = {}): LabeledDocumentSet {
  const textKey = options.textKey ?? "text";
  const fieldsKey = options.fieldsKey ?? "fields";
  const maxChars = options.maxChars ?? DEFAULT_MAX_DOCUMENT_CHARS;
  const table = readDataTable(file);
  if (table.format !== "jsonl") {
    throw new FrugalError("input_invalid", `${file}: extraction data must be JSONL, one {"${textKey}": ..., "${fieldsKey}": {...}} object per line`, { details: { file } });
  }
  requireColumns(table, [{ column: textKey, flag: "text key" }]);
  const names = new Set<string>();
  const rows = table.rows.map((row) => {
    const text = row.values[textKey];
    if (typeof text !== "string") {
      throw new FrugalError("input_invalid", `${where(file, { line: row.line })}: "${textKey}" must be a string`, { details: { file, line: row.line } });
    }
    if (text.trim() === "") throw new FrugalError("input_invalid", `${where(file, { line: row.line })}: empty text`, { details: { file, line: row.line } });
    const raw = row.values[fieldsKey];
    if (raw === undefined && options.requireFields === false) return { row, text, raw: {} as Record<string, unknown> };
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new FrugalError("input_invalid", `${where(file, { line: row.line })}: "${fieldsKey}" must be an object of field name to value`, {
        details: { file, line: row.line },
      });
    }
    for (const name of Object.keys(raw)) names.add(name);
    return { row, text, raw: raw as Record<string, unknown> };
  });
  const fields = [...names].sort();
  if (fields.length === 0 && options.requireFields !== false) {
    throw new FrugalError("input_invalid", `${file}: no labeled fields in any row ("${fieldsKey}" objects are all empty)`, { details: { file } });
  }
  const missing: Record<string, number> = Object.fromEntries(fields.map((f) => [f, 0]));
  const firstMissing: Record<string, number> = {};
  const warnings: string[] = [];
  let truncated = 0;
  const documents = rows.map(({ row, text, raw }): LabeledDocument => {
    const values: Record<string, string | null> = {};
    for (const name of fields) {
      const value = fieldValue(file, row.line, name, raw[name]);
      values[name] = value;
      if (value === null && options.requireFields !== false) {
        missing[name] = (missing[name] ?? 0) + 1;
        firstMissing[name] ??= row.line;
      }
    }
    let kept = text;
    if (text.length > maxChars) {
      truncated++;
      kept = text.slice(0, maxChars);
      warnings.push(`${where(file, { line: row.line })}: text has ${text.length} characters; truncated to ${maxChars} (raise --max-chars to keep more)`);
    }
    const id = row.values.id;
    return typeof id === "string" || typeof id === "number"
      ? { line: row.line, id: String(id), text: kept, fields: values }
      : { line: row.line, text: kept, fields: values };
  });
  const gaps = fields.filter((f) => (missing[f] ?? 0) > 0);
  if (gaps.length > 0) {
    const parts = gaps.map((f) => `${f}: ${missing[f]} (first at line ${firstMissing[f]})`);
    warnings.unshift(`${file}: some documents lack fields, which are skipped for them — ${parts.join("; ")}`);
  }
  return { file, documents, fields, missing, truncated, warnings };
}

/** Fingerprint of the training data stored in model files. */
export function hashDocuments(documents: ReadonlyArray<{ text: string; fields: Record<string, string | null> }>): string {
  const hash = createHash("sha256");
  for (const d of documents) {
    hash.update(d.text).update("\u0000");
    for (const name of Object.keys(d.fields).sort()) hash.update(name).update("\u0001").update(d.fields[name] ?? "\u0002").update("\u0003");
  }
  return `sha256:${hash.digest("hex")}`;
}

/**
 * Deterministic train/dev split by a hash of each document's key (its id, else its text): a document stays on the same side
 * when rows are added, reordered or removed, so a dev figure never silently includes training documents.
 */
export function splitDocuments<D extends { id?: string; text: string }>(documents: readonly D[], options: { devShare: number; salt?: string }): { train: D[]; dev: D[] } {
  if (!(options.devShare > 0 && options.devShare < 1)) {
    throw new FrugalError("input_invalid", `devShare must be between 0 and 1 (exclusive), got ${options.devShare}`);
  }
  const train: D[] = [];
  const dev: D[] = [];
  for (const d of documents) {
    const digest = createHash("sha256").update(`${options.salt ?? ""}${d.id ?? d.text}`).digest();
    (digest.readUInt32BE(0) / 2 ** 32 < options.devShare ? dev : train).push(d);
  }
  return { train, dev };
}
