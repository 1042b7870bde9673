/**
 * A document as the extractor sees it: non-empty lines, each split into surface tokens (with offsets, for spans) and
 * feature keys (lower-cased words; digits and letters of mixed tokens reduced to a shape, so "81100" and "47400" are both
 * the postcode shape `9999+`). Everything here is computed once per document and shared by every field.
 */
import { hashString } from "../hashing.ts";

export const DEFAULT_MAX_CHARS = 20_000;

export interface SurfaceToken {
  text: string;
  start: number;
  end: number;
  keyHash: number;
}

export interface DocLine {
  text: string;
  /** Surface tokens (whitespace-separated), for spans. */
  tokens: SurfaceToken[];
  /** The tokens' key hashes, as one bag (a window's "tokens inside" are the bags of its lines). */
  tokenKeys: number[];
  /** Hashes of the line's context keys (split on whitespace and `:`), for "word near the candidate" features. */
  contextKeys: number[];
  hasLetters: boolean;
  hasDigits: boolean;
}

export interface ExtractDocument {
  lines: DocLine[];
  /** Characters dropped by the maxChars limit (0 when the text fit). */
  truncatedChars: number;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code > 127 && /\p{L}/u.test(String.fromCharCode(code)));
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * `TOTAL:` → `total`, `RM33.90` → `aa99.99`, `81100` → `9999+`: words stay words, codes become shapes. Written as a
 * character loop: it runs on every token of every document the tier sees.
 */
export function tokenKey(token: string): string {
  let start = 0;
  let end = token.length;
  while (start < end && !isLetter(token.charCodeAt(start)) && !isDigit(token.charCodeAt(start))) start++;
  while (end > start && !isLetter(token.charCodeAt(end - 1)) && !isDigit(token.charCodeAt(end - 1))) end--;
  if (start === end) return token.length > 0 ? `p:${token.slice(0, 3)}` : "";
  let hasDigit = false;
  for (let i = start; i < end; i++) if (isDigit(token.charCodeAt(i))) hasDigit = true;
  if (!hasDigit) return token.slice(start, end).toLowerCase();
  let shape = "";
  let previous = "";
  let run = 0;
  for (let i = start; i < end; i++) {
    const code = token.charCodeAt(i);
    const ch = isDigit(code) ? "9" : isLetter(code) ? "a" : token[i] ?? "";
    run = ch === previous ? run + 1 : 1;
    previous = ch;
    if (run <= 4) shape += ch;
    else if (run === 5) shape += "+";
  }
  return shape;
}

const EMPTY_KEY = hashString("");

function prepareLine(text: string): DocLine {
  const tokens: SurfaceToken[] = [];
  // A "(" opens a new token even when glued ("SDN BHD(728384-M)"): names end where registration numbers begin.
  for (const m of text.matchAll(/\(?[^\s(]+|\(/g)) {
    const start = m.index ?? 0;
    tokens.push({ text: m[0], start, end: start + m[0].length, keyHash: hashString(tokenKey(m[0])) });
  }
  // Context keys split tokens further at ":" ";" "|" ("DATE:25/12/2018" → "date", "99/99/9999"); most tokens have none
  // of these and reuse their key.
  const contextKeys: number[] = [];
  for (const token of tokens) {
    if (!/[:;|]/.test(token.text)) {
      if (token.keyHash !== EMPTY_KEY) contextKeys.push(token.keyHash);
      continue;
    }
    for (const part of token.text.split(/[:;|]+/)) {
      const key = tokenKey(part);
      if (key !== "") contextKeys.push(hashString(key));
    }
  }
  let letters = 0;
  let hasDigits = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters++;
    else if (isDigit(code)) hasDigits = true;
    else if (code > 127 && isLetter(code)) letters++;
  }
  return { text, tokens, tokenKeys: tokens.map((t) => t.keyHash), contextKeys, hasLetters: letters > 0, hasDigits };
}

/**
 * Splits and tokenizes. Text beyond `maxChars` is dropped (the caller warns): a pasted 5 MB log must not stall the tier,
 * and the fields of a receipt or an invoice header live in its first pages.
 */
export function prepareDocument(text: string, options: { maxChars?: number } = {}): ExtractDocument {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const kept = text.length > maxChars ? text.slice(0, maxChars) : text;
  const lines: DocLine[] = [];
  for (const raw of kept.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (line !== "") lines.push(prepareLine(line.replace(/\s+/g, " ")));
  }
  return { lines, truncatedChars: text.length - kept.length };
}
