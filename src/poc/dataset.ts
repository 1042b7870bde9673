/**
 * The PoC's items: the dataset file read into {id, text, gold}. A row that cannot be sent (empty text) or cannot be scored
 * (no gold label, a gold field missing) is never dropped silently: it is listed with its line and reason, and counted in
 * the report.
 */
import { FrugalError, where } from "../core/errors.ts";
import { readDataTable, requireColumns } from "../data/table.ts";

export type Gold = { kind: "classify"; label: string } | { kind: "extract"; fields: Record<string, string | null> };

export interface PocItem {
  id: string;
  line: number;
  text: string;
  tags: string[];
  /** null: the row has no usable gold answer; its requests run but are not scored. */
  gold: Gold | null;
}

export interface DatasetProblem {
  id: string;
  line: number;
  reason: string;
  /** `unusable`: not sent at all; `unscored`: sent, not scored; `partial`: some gold fields missing. */
  severity: "unusable" | "unscored" | "partial";
}

export interface PocDataset {
  file: string;
  /** sha256 of the file's bytes: part of the results-file key, so edited data is measured again. */
  hash: string;
  items: PocItem[];
  /** classify: labels seen in the gold column. extract: the fields. */
  labels: string[];
  fields: string[];
  problems: DatasetProblem[];
}

export interface ReadPocDatasetOptions {
  file: string;
  kind: "classify" | "extract";
  textCol: string;
  labelCol?: string;
  fieldsCol: string;
  idCol?: string;
  tagsCol?: string;
  /** extract: the fields to score; default: every key seen. */
  fields?: string[];
  limit?: number;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function readPocDataset(options: ReadPocDatasetOptions): PocDataset {
  const table = readDataTable(options.file);
  const labelCol = options.labelCol ?? (table.columns.includes("label") || !table.columns.includes("category") ? "label" : "category");
  requireColumns(table, [
    { column: options.textCol, flag: "task.dataset.text" },
    ...(options.kind === "classify" ? [{ column: labelCol, flag: "task.dataset.label" }] : []),
    ...(options.kind === "extract" ? [{ column: options.fieldsCol, flag: "task.dataset.fields" }] : []),
  ]);
  const rows = options.limit === undefined ? table.rows : table.rows.slice(0, options.limit);
  const fieldSet = new Set<string>(options.fields ?? []);
  if (options.kind === "extract" && options.fields === undefined) {
    for (const row of rows) {
      const value = row.values[options.fieldsCol];
      if (value !== null && typeof value === "object" && !Array.isArray(value)) for (const key of Object.keys(value)) fieldSet.add(key);
    }
  }
  const fields = [...fieldSet];
  const items: PocItem[] = [];
  const problems: DatasetProblem[] = [];
  const labels = new Set<string>();
  const ids = new Set<string>();
  for (const row of rows) {
    const id = options.idCol === undefined ? `line-${row.line}` : cell(row.values[options.idCol]).trim() || `line-${row.line}`;
    if (ids.has(id)) throw new FrugalError("input_invalid", `${where(options.file, { line: row.line, column: options.idCol ?? "id" })}: duplicate id "${id}"`);
    ids.add(id);
    const text = cell(row.values[options.textCol]);
    if (text.trim() === "") {
      problems.push({ id, line: row.line, reason: `empty text (column "${options.textCol}")`, severity: "unusable" });
      continue;
    }
    const tags = options.tagsCol === undefined ? [] : cell(row.values[options.tagsCol]).split(",").map((t) => t.trim()).filter(Boolean);
    let gold: Gold | null = null;
    if (options.kind === "classify") {
      const label = cell(row.values[labelCol]).trim();
      if (label === "") problems.push({ id, line: row.line, reason: `no gold label (column "${labelCol}")`, severity: "unscored" });
      else {
        gold = { kind: "classify", label };
        labels.add(label);
      }
    } else {
      const value = row.values[options.fieldsCol];
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        problems.push({ id, line: row.line, reason: `no gold fields object (column "${options.fieldsCol}")`, severity: "unscored" });
      } else {
        const record = value as Record<string, unknown>;
        const goldFields: Record<string, string | null> = {};
        const missing: string[] = [];
        for (const field of fields) {
          const v = cell(record[field]).trim();
          goldFields[field] = v === "" ? null : v;
          if (v === "") missing.push(field);
        }
        if (missing.length === fields.length) problems.push({ id, line: row.line, reason: "every gold field is missing", severity: "unscored" });
        else {
          if (missing.length > 0) problems.push({ id, line: row.line, reason: `gold field(s) missing: ${missing.join(", ")} (not scored)`, severity: "partial" });
          gold = { kind: "extract", fields: goldFields };
        }
      }
    }
    items.push({ id, line: row.line, text, tags, gold });
  }
  if (items.length === 0) throw new FrugalError("input_invalid", `${options.file}: no usable rows (${problems.length} rows had problems, first: ${problems[0]?.reason ?? "none"})`);
  const hash = `sha256:${table.sha256}`;
  return { file: options.file, hash, items, labels: [...labels].sort(), fields, problems };
}
