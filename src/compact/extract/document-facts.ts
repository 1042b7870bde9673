/**
 * Cheap facts the features read, computed once per document or per value with character loops rather than regexes and
 * string copies: they run for every document (and every candidate) the extractor serves.
 */
import { lineDates } from "./candidates.ts";
import type { ExtractDocument } from "./document.ts";
import { dateYear } from "./patterns.ts";

/**
 * The year of the document's first plausible date (the issue date, on receipts and invoices), memoized on the document.
 * Labeling conventions drift over time — annotation batches follow the receipts' dates — and a year feature lets the ranker
 * learn that from the labels.
 */
export function documentYear(doc: ExtractDocument): number | null {
  if (doc.year !== undefined) return doc.year;
  let year: number | null = null;
  for (const line of doc.lines) {
    for (const match of lineDates(line)) {
      year = dateYear(match);
      if (year !== null) break;
    }
    if (year !== null) break;
  }
  doc.year = year;
  return year;
}

/** For each line, its rank among lines that carry letters; the same for every field, so computed once per document. */
export function documentTextLineRank(doc: ExtractDocument): number[] {
  if (doc.textLineRank === undefined) {
    let rank = 0;
    doc.textLineRank = doc.lines.map((line) => (line.hasLetters ? rank++ : rank));
  }
  return doc.textLineRank;
}

/** /\p{L}{3}/u as a loop for ASCII lines (it runs on every line of every document for the amount field). */
export function hasThreeLetters(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) return /\p{L}{3}/u.test(text);
    run = (code >= 65 && code <= 90) || (code >= 97 && code <= 122) ? run + 1 : 0;
    if (run === 3) return true;
  }
  return false;
}

/**
 * 1: upper-case (has cased letters, none lower-case), 2: has a digit, 4: ends with , . ; or :, 8: starts with a letter.
 * A character loop for ASCII values (upper-casing and lower-casing every candidate was a measurable share of the garbage
 * each prediction left); the string forms for the rest.
 */
export function valueShape(value: string): number {
  let upper = 0;
  let lower = 0;
  let digit = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 127) return valueShapeUnicode(value);
    if (code >= 65 && code <= 90) upper = 1;
    else if (code >= 97 && code <= 122) lower = 1;
    else if (code >= 48 && code <= 57) digit = 2;
  }
  const last = value.charCodeAt(value.length - 1);
  const first = value.charCodeAt(0);
  const punctuationEnd = last === 44 || last === 46 || last === 59 || last === 58 ? 4 : 0;
  const letterStart = (first >= 65 && first <= 90) || (first >= 97 && first <= 122) ? 8 : 0;
  return (upper === 1 && lower === 0 ? 1 : 0) + digit + punctuationEnd + letterStart;
}

function valueShapeUnicode(value: string): number {
  const upper = value === value.toUpperCase() && value !== value.toLowerCase();
  return (upper ? 1 : 0) + (/\d/.test(value) ? 2 : 0) + (/[,.;:]$/.test(value) ? 4 : 0) + (/^[\p{L}]/u.test(value) ? 8 : 0);
}
