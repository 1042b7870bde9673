/**
 * Export formats of the ledger. JSONL carries every row exactly as stored (with seq, prevHash and hash), so an exported
 * file can be re-verified offline with the formula in ledger-hash.ts. CSV has one column per field in the same order; the
 * pii counts are a JSON cell, and absent values are empty cells.
 */
import { FrugalError } from "../core/errors.ts";
import type { ExportOptions, LedgerRow } from "./ledger-types.ts";

export const EXPORT_FIELDS: ReadonlyArray<keyof LedgerRow> = [
  "seq", "ts", "requestId", "keyId", "team", "kind", "target", "tier", "model", "provider", "region", "onPrem",
  "inputTokens", "outputTokens", "costUsd", "costProvenance", "energyJ", "energyProvenance", "latencyMs", "cacheHit",
  "escalated", "pii", "status", "errorCode", "body", "stream", "prevHash", "hash",
];

function csvCell(value: LedgerRow[keyof LedgerRow]): string {
  if (value === null) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${EXPORT_FIELDS.join(",")}\n`;
}

export function formatRows(rows: readonly LedgerRow[], format: "jsonl" | "csv"): string {
  let out = "";
  for (const row of rows) {
    out += format === "jsonl" ? `${JSON.stringify(row)}\n` : `${EXPORT_FIELDS.map((f) => csvCell(row[f])).join(",")}\n`;
  }
  return out;
}

function isoBound(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new FrugalError("input_invalid", `${name}: not an ISO 8601 date or instant: ${value}`);
  return new Date(ms).toISOString();
}

/** Checked export options: the format, and [from, to) as canonical ISO text that compares with stored ts as text. */
export function exportBounds(options: ExportOptions): { format: "jsonl" | "csv"; from: string; to: string } {
  if (options.format !== "jsonl" && options.format !== "csv") {
    throw new FrugalError("input_invalid", `format: expected jsonl or csv, got ${String(options.format)}`);
  }
  return { format: options.format, from: isoBound("from", options.from, "0000"), to: isoBound("to", options.to, "9999") };
}

/** Writes a whole export, page by page; the CSV header comes first even when no row matches. */
export async function writeExport(
  pages: AsyncIterable<LedgerRow[]>,
  format: "jsonl" | "csv",
  write: (chunk: string) => void | Promise<void>,
): Promise<{ rows: number }> {
  let rows = 0;
  if (format === "csv") await write(csvHeader());
  for await (const page of pages) {
    if (page.length === 0) continue;
    rows += page.length;
    await write(formatRows(page, format));
  }
  return { rows };
}
