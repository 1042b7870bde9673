/**
 * The extractor branch of `frugal predict --model <extractor>` (predict.ts dispatches here on the model file's kind).
 *
 * Input, on stdin:
 *   - by default the whole of stdin is one document (a receipt's OCR text, an invoice as text): its lines are the
 *     document's lines, so it cannot also be split into one document per line;
 *   - with `--jsonl`, one JSON object `{"text": "...", "id"?: "..."}` per line (the shape of the labeled files, whose
 *     `fields` are ignored), blank lines skipped.
 * Output, per document and field: the value, its calibrated confidence, and the action at the field's threshold (certified
 * for documents exchangeable with the model's calibration split):
 * `keep` (confidence ≥ threshold) or `escalate` (below it, no threshold certified, or no value found). As text: a header
 * line per document with --jsonl, then one tab-separated `field value confidence action` row per field. With --json:
 * one JSON object per document (JSON lines), carrying the ranked lines an escalated field's prompt would keep.
 */
import { FrugalError } from "../../core/errors.ts";
import { loadCompactExtractor, type TrainedExtractor } from "../../compact/extract/index.ts";
import { printWarnings } from "./train-extract.ts";
import { readStdinLines } from "./predict.ts";

export interface PredictExtractFlags {
  model: string;
  json?: boolean;
  jsonl?: boolean;
}

interface InputDocument {
  /** The stdin line (with --jsonl), null when the whole stdin is the document. */
  line: number | null;
  id?: string;
  text: string;
}

function where(line: number | null): string {
  return line === null ? "stdin" : `stdin:${line}`;
}

/** The whole of stdin, decoded strictly: a non-UTF-8 byte is named rather than silently replaced. */
async function readWholeStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new FrugalError("input_invalid", "stdin: text is not valid UTF-8", { details: { file: "stdin" } });
  }
}

function parseJsonLine(line: number, text: string): InputDocument {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch {
    throw new FrugalError("input_invalid", `stdin:${line}: not JSON (with --jsonl every line is one {"text": ...} object)`, { details: { file: "stdin", line } });
  }
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    throw new FrugalError("input_invalid", `stdin:${line}: expected a JSON object {"text": ...}`, { details: { file: "stdin", line } });
  }
  const { text: value, id } = row as { text?: unknown; id?: unknown };
  if (typeof value !== "string") throw new FrugalError("input_invalid", `stdin:${line}: "text" must be a string`, { details: { file: "stdin", line } });
  if (value.trim() === "") throw new FrugalError("input_invalid", `stdin:${line}: empty text`, { details: { file: "stdin", line } });
  return { line, text: value, ...(typeof id === "string" || typeof id === "number" ? { id: String(id) } : {}) };
}

async function* inputDocuments(jsonl: boolean): AsyncGenerator<InputDocument> {
  if (!jsonl) {
    const text = await readWholeStdin();
    if (text.trim() === "") {
      throw new FrugalError("input_invalid", 'stdin is empty: pipe one document\'s text, or use --jsonl for one {"text": ...} object per line', { details: { file: "stdin" } });
    }
    yield { line: null, text };
    return;
  }
  for await (const { line, text } of readStdinLines()) {
    if (text.trim() !== "") yield parseJsonLine(line, text);
  }
}

function describeDocument(model: TrainedExtractor, doc: InputDocument, warnings: string[]): Record<string, unknown> {
  const { fields } = model.predictDetailed(doc.text);
  const out: Record<string, unknown> = {};
  const escalate: string[] = [];
  for (const name of model.fields) {
    const p = fields[name];
    const threshold = model.thresholds[name] ?? Number.POSITIVE_INFINITY;
    const confidence = p?.confidence ?? 0;
    const kept = p !== undefined && p.value !== null && confidence >= threshold;
    if (!kept) escalate.push(name);
    out[name] = { value: p?.value ?? null, confidence, threshold: Number.isFinite(threshold) ? threshold : null, kept, action: kept ? "keep" : "escalate", lines: p?.lines ?? [] };
  }
  if (warnings.length > 0) printWarnings(warnings.splice(0));
  return { ...(doc.line === null ? {} : { line: doc.line }), ...(doc.id === undefined ? {} : { id: doc.id }), fields: out, escalate };
}

function formatText(result: Record<string, unknown>, header: boolean): string {
  const rows: string[] = [];
  if (header) rows.push(`# ${result.id === undefined ? "" : `${String(result.id)} `}(stdin line ${String(result.line)})`);
  for (const [name, f] of Object.entries(result.fields as Record<string, { value: string | null; confidence: number; action: string }>)) {
    rows.push(`${name}\t${f.value ?? "-"}\t${f.confidence.toFixed(4)}\t${f.action}`);
  }
  return rows.join("\n");
}

export async function predictExtract(flags: PredictExtractFlags): Promise<void> {
  const warnings: string[] = [];
  let current: InputDocument | null = null;
  const model = loadCompactExtractor(flags.model, {
    // Library code never prints: the truncation warning is collected and printed (to stderr) with the document's place.
    onWarning: (message) => warnings.push(`${where(current?.line ?? null)}: ${message}`),
  });
  const jsonl = flags.jsonl === true;
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(`${out.join("\n")}\n`);
    out.length = 0;
  };
  for await (const doc of inputDocuments(jsonl)) {
    current = doc;
    const result = describeDocument(model, doc, warnings);
    out.push(flags.json === true ? JSON.stringify(result) : formatText(result, jsonl));
    if (out.length >= 64) flush();
  }
  flush();
}
