/**
 * Labeled text examples for classification: `{text, label}` pairs read from CSV or JSONL, with every row checked.
 */
import { createHash } from "node:crypto";
import { FrugalError, where } from "../core/errors.ts";
import { readDataTable, requireColumns, type DataTable } from "./table.ts";

export interface LabeledText {
  /** The line in the source file, for error messages and per-item results. */
  line: number;
  text: string;
  label: string;
}

export interface LabeledTextSet {
  file: string;
  examples: LabeledText[];
  /** Sorted distinct labels. */
  labels: string[];
}

export interface ReadLabeledTextsOptions {
  textCol?: string;
  labelCol?: string;
  /** When false, a missing label column is allowed (prediction-only files). */
  requireLabels?: boolean;
}

function cellText(table: DataTable, line: number, column: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new FrugalError("input_invalid", `${where(table.file, { line, column })}: expected a string, found ${Array.isArray(value) ? "an array" : "an object"}`, {
    details: { file: table.file, line, column },
  });
}

export function readLabeledTexts(file: string, options: ReadLabeledTextsOptions = {}): LabeledTextSet {
  return labeledTextsOf(readDataTable(file), options);
}

/** The labeled texts of a table already read (callers that need other columns of the same file read it once). */
export function labeledTextsOf(table: DataTable, options: ReadLabeledTextsOptions = {}): LabeledTextSet {
  const file = table.file;
  // BANKING77 and many exports call the label "category"; JSONL convention is {"text","label"}.
  const textCol = options.textCol ?? "text";
  const labelCol = options.labelCol ?? (table.columns.includes("label") || !table.columns.includes("category") ? "label" : "category");
  requireColumns(table, [
    { column: textCol, flag: "--text-col" },
    ...(options.requireLabels === false ? [] : [{ column: labelCol, flag: "--label-col" }]),
  ]);
  const examples = table.rows.map((row): LabeledText => {
    const text = cellText(table, row.line, textCol, row.values[textCol]);
    if (text.trim() === "") {
      throw new FrugalError("input_invalid", `${where(file, { line: row.line, column: textCol })}: empty text`, { details: { file, line: row.line, column: textCol } });
    }
    const label = cellText(table, row.line, labelCol, row.values[labelCol]).trim();
    if (label === "" && options.requireLabels !== false) {
      throw new FrugalError("input_invalid", `${where(file, { line: row.line, column: labelCol })}: empty label`, { details: { file, line: row.line, column: labelCol } });
    }
    return { line: row.line, text, label };
  });
  const labels = [...new Set(examples.map((e) => e.label))].filter((l) => l !== "").sort();
  return { file, examples, labels };
}

/** Fingerprint of the training data stored in model files: same rows in the same order, same hash. */
export function hashExamples(examples: ReadonlyArray<{ text: string; label: string }>): string {
  const hash = createHash("sha256");
  for (const e of examples) hash.update(e.text).update("\u0000").update(e.label).update("\u0001");
  return `sha256:${hash.digest("hex")}`;
}
