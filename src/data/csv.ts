/**
 * A strict RFC 4180 CSV reader: quoted fields, doubled quotes, CRLF or LF, newlines inside quotes. Each record keeps the
 * line it started on so errors can point at it. Written here (60 lines) rather than pulled in as a dependency because the
 * error messages are the product: a dangling quote must name its line.
 */
import { FrugalError, where } from "../core/errors.ts";

export interface CsvRecord {
  line: number;
  fields: string[];
}

export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  const endRecord = (): void => {
    fields.push(field);
    // A blank line is not a record (common at the end of files).
    if (!(fields.length === 1 && fields[0] === "" && !fieldStarted)) records.push({ line: recordLine, fields });
    fields = [];
    field = "";
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === "") {
      inQuotes = true;
      fieldStarted = true;
    } else if (ch === ",") {
      fields.push(field);
      field = "";
      fieldStarted = true;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new FrugalError("input_invalid", `${where(file, { line: recordLine })}: unterminated quoted field`, { details: { file, line: recordLine } });
  if (field !== "" || fields.length > 0 || fieldStarted) endRecord();
  return records;
}
