/**
 * Candidate values for one field of one document. The ranker can only pick what this offers, so recall here is the ceiling
 * of the extractor (the tests assert it on SROIE). Three generators, chosen per field from its training values (field-spec.ts):
 *   - text:   windows of 1..maxWindow consecutive lines (addresses span lines), and token spans inside a line (a company
 *             name followed by its registration number on the same line);
 *   - date:   every typed date match;
 *   - amount: every typed amount, bare ("33.90") and, when a currency is printed before it, with it ("RM33.90") — labels
 *             differ on this, vendor by vendor, and the ranker learns which one the labels use.
 */
import type { ExtractDocument } from "./document.ts";
import { findAmounts, findDates, type AmountMatch, type DateMatch } from "./patterns.ts";

export type FieldType = "date" | "amount" | "text";

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** Text fields: the longest line window offered. */
  maxWindow: number;
  /** Text fields: also offer token spans inside a line. */
  lineSpans: boolean;
  /** Text fields: the longest in-line span, in tokens. */
  maxSpanTokens: number;
  /** Text fields: only the first `lineLimit` lines are searched (headers hold names and addresses). */
  lineLimit: number;
}

export type CandidateKind = "window" | "span" | "date" | "amount";

export interface Candidate {
  kind: CandidateKind;
  /** The value as it would be answered (printed form, whitespace collapsed). */
  value: string;
  /** normalizeForMatch(value): candidates with the same key are one answer. */
  key: string;
  startLine: number;
  /** Inclusive. */
  endLine: number;
  /** Token range on `startLine` for spans and typed matches ([0, n) for windows). */
  tokenStart: number;
  tokenEnd: number;
  /** Dates: the format id (null for other kinds). */
  format: string | null;
  /** Amounts: the match (null for other kinds), and whether this candidate carries the currency marker. */
  amount: AmountMatch | null;
  withCurrency: boolean;
  /** Text: the printed value minus a trailing "." "," ";" or ":" (labels often drop it). */
  trimmed: boolean;
  /** Set by buildFieldContext (features.ts): the index of this candidate's key among the document's distinct keys, ... */
  group: number;
  /** ... and, for dates and bare amounts, its rank in document order (-1 for the others). */
  order: number;
}

/**
 * Every candidate is built here, with all properties in one order: one object shape for all kinds keeps the feature code's
 * property accesses monomorphic, which measured ~2x faster than kind-specific literals.
 */
function candidate(kind: CandidateKind, value: string, line: number, endLine: number, tokenStart: number, tokenEnd: number, extra: { format?: string; amount?: AmountMatch; withCurrency?: boolean; trimmed?: boolean } = {}): Candidate {
  return {
    kind,
    value,
    key: value.toLowerCase(),
    startLine: line,
    endLine,
    tokenStart,
    tokenEnd,
    format: extra.format ?? null,
    amount: extra.amount ?? null,
    withCurrency: extra.withCurrency ?? false,
    trimmed: extra.trimmed ?? false,
    group: -1,
    order: -1,
  };
}

/**
 * Document lines are already trimmed with single spaces, and every generator cuts at token boundaries, so a candidate's
 * value is clean by construction and its match key is just its lower-case form (normalizeForMatch, without the regexes).
 */
function push(out: Candidate[], candidate: Candidate): void {
  if (candidate.value !== "") out.push(candidate);
}

/** Text candidates also come without their trailing punctuation: "MAKASSAR FRESH MARKET S/B." is labeled without the dot. */
function pushText(out: Candidate[], c: Candidate): void {
  push(out, c);
  const last = c.value.charCodeAt(c.value.length - 1);
  // . , ; :
  if (c.value.length > 1 && (last === 46 || last === 44 || last === 59 || last === 58)) {
    push(out, candidate(c.kind, c.value.slice(0, -1).trimEnd(), c.startLine, c.endLine, c.tokenStart, c.tokenEnd, { trimmed: true }));
  }
}

/** Token index range covering character offsets [start, end) of a line. */
function tokenRange(tokens: ExtractDocument["lines"][number]["tokens"], start: number, end: number): [number, number] {
  let first = 0;
  while (first < tokens.length && (tokens[first]?.end ?? 0) <= start) first++;
  let last = first;
  while (last < tokens.length && (tokens[last]?.start ?? end) < end) last++;
  return [first, last];
}

function textCandidates(doc: ExtractDocument, spec: FieldSpec, out: Candidate[]): void {
  const limit = Math.min(doc.lines.length, spec.lineLimit);
  for (let i = 0; i < limit; i++) {
    const line = doc.lines[i];
    if (line === undefined) continue;
    let joined = "";
    for (let k = 1; k <= spec.maxWindow && i + k - 1 < doc.lines.length; k++) {
      joined = k === 1 ? line.text : `${joined} ${doc.lines[i + k - 1]?.text ?? ""}`;
      pushText(out, candidate("window", joined, i, i + k - 1, 0, line.tokens.length));
    }
    if (!spec.lineSpans) continue;
    // Spans start at the line start or right after a "label:" token, or end at the line end: a name followed by its
    // registration number, a value after its label, a name after a store code. All-pairs spans would be O(n²) per line for
    // no measured gain (every SROIE gold span is one of these).
    const n = line.tokens.length;
    for (let a = 0; a < n; a++) {
      const afterLabel = a === 0 || line.text.charCodeAt((line.tokens[a - 1]?.end ?? 0) - 1) === 58; // ":"
      for (let b = a + 1; b <= Math.min(n, a + spec.maxSpanTokens); b++) {
        if (a === 0 && b === n) continue; // the whole line is already a window
        if (!afterLabel && b !== n) continue;
        const start = line.tokens[a]?.start ?? 0;
        const end = line.tokens[b - 1]?.end ?? 0;
        const value = line.text.slice(start, end);
        pushText(out, candidate("span", value, i, i, a, b));
      }
    }
  }
}

/** A line's date matches, computed once per document line (the date field and the amount field's year feature share them). */
export function lineDates(line: ExtractDocument["lines"][number]): DateMatch[] {
  // Every date format has digits: a line without any has no date.
  if (line.dates === undefined) line.dates = line.hasDigits ? findDates(line.text) : [];
  return line.dates;
}

// Plain loops, not forEach: the CLI runs through tsx, whose transform wraps every closure created per call.
function dateCandidates(doc: ExtractDocument, out: Candidate[]): void {
  for (let i = 0; i < doc.lines.length; i++) {
    const line = doc.lines[i] as ExtractDocument["lines"][number];
    if (!line.hasDigits) continue;
    for (const match of lineDates(line)) {
      const [a, b] = tokenRange(line.tokens, match.start, match.end);
      push(out, candidate("date", match.text, i, i, a, b, { format: match.format }));
    }
  }
}

function amountCandidates(doc: ExtractDocument, out: Candidate[]): void {
  for (let i = 0; i < doc.lines.length; i++) {
    const line = doc.lines[i] as ExtractDocument["lines"][number];
    if (!line.hasDigits) continue;
    for (const match of findAmounts(line.text)) {
      const [a, b] = tokenRange(line.tokens, match.start, match.end);
      push(out, candidate("amount", match.number, i, i, a, b, { amount: match }));
      if (match.currency !== "") push(out, candidate("amount", `${match.currency}${match.gap}${match.number}`, i, i, a, b, { amount: match, withCurrency: true }));
    }
  }
}

export function generateCandidates(doc: ExtractDocument, spec: FieldSpec): Candidate[] {
  const out: Candidate[] = [];
  if (spec.type === "date") dateCandidates(doc, out);
  else if (spec.type === "amount") amountCandidates(doc, out);
  else textCandidates(doc, spec, out);
  return out;
}
