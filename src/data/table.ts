/**
 * Reads a data file (CSV with a header row, or JSONL) into rows of named string/JSON values, each tagged with its line.
 * Format follows the extension (.csv, .tsv is not supported; .jsonl/.ndjson/.json lines); everything that can be wrong
 * with the file is reported here, naming the file and line, so commands never see half-read data.
 */
import { extname } from "node:path";
import { FrugalError, where } from "../core/errors.ts";
import { readTextFileHashed } from "../core/config-file.ts";
import { parseCsv } from "./csv.ts";

export interface DataRow {
  line: number;
  values: Record<string, unknown>;
}

export interface DataTable {
  file: string;
  format: "csv" | "jsonl";
  /** CSV: the header; JSONL: the union of keys seen. */
  columns: string[];
  rows: DataRow[];
  /** sha256 (hex) of the file's bytes as read: what results are keyed on, without reading the file again. */
  sha256: string;
}

export function detectFormat(file: string): "csv" | "jsonl" {
  const ext = extname(file).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return "jsonl";
  throw new FrugalError("input_invalid", `${file}: unknown data format "${ext || "(no extension)"}"; use .csv (with a header row) or .jsonl`, {
    details: { file },
  });
}

export function readDataTable(file: string): DataTable {
  const format = detectFormat(file);
  const { text, sha256 } = readTextFileHashed(file, "data file");
  if (text.trim() === "") throw new FrugalError("input_invalid", `${file}: data file is empty`, { details: { file } });
  return { ...(format === "csv" ? csvTable(file, text) : jsonlTable(file, text)), sha256 };
}

function csvTable(file: string, text: string): Omit<DataTable, "sha256"> {
  const records = parseCsv(text, file);
  const [header, ...body] = records;
  if (header === undefined) throw new FrugalError("input_invalid", `${file}: data file is empty`, { details: { file } });
  const columns = header.fields.map((c) => c.trim());
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new FrugalError("input_invalid", `${where(file, { line: 1 })}: duplicate column "${dup}" in the header`, { details: { file } });
  if (body.length === 0) throw new FrugalError("input_invalid", `${file}: has a header row but no data rows`, { details: { file } });
  const rows = body.map((record): DataRow => {
    if (record.fields.length !== columns.length) {
      throw new FrugalError(
        "input_invalid",
        `${where(file, { line: record.line })}: expected ${columns.length} fields like the header, found ${record.fields.length}`,
        { details: { file, line: record.line } },
      );
    }
    const values: Record<string, unknown> = {};
    columns.forEach((c, i) => (values[c] = record.fields[i]));
    return { line: record.line, values };
  });
  return { file, format: "csv", columns, rows };
}

function jsonlTable(file: string, text: string): Omit<DataTable, "sha256"> {
  const rows: DataRow[] = [];
  const columns = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new FrugalError("input_invalid", `${where(file, { line })}: not valid JSON`, { details: { file, line } });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new FrugalError("input_invalid", `${where(file, { line })}: expected a JSON object per line`, { details: { file, line } });
    }
    const values = value as Record<string, unknown>;
    for (const key of Object.keys(values)) columns.add(key);
    rows.push({ line, values });
  });
  if (rows.length === 0) throw new FrugalError("input_invalid", `${file}: data file is empty`, { details: { file } });
  return { file, format: "jsonl", columns: [...columns], rows };
}

/** Fails with the available columns when a requested one is absent (a typo in --text-col is the common case). */
export function requireColumns(table: DataTable, wanted: Array<{ column: string; flag: string }>): void {
  for (const { column, flag } of wanted) {
    if (!table.columns.includes(column)) {
      throw new FrugalError(
        "input_invalid",
        `${table.file}: no column "${column}" (${flag}); the file has: ${table.columns.map((c) => `"${c}"`).join(", ")}`,
        { details: { file: table.file, column } },
      );
    }
  }
}
