/**
 * A document as the extractor sees it: non-empty lines, each split into surface tokens (with offsets, for spans) and
 * feature keys (lower-cased words; digits and letters of mixed tokens reduced to a shape, so "81100" and "47400" are both
 * the postcode shape `9999+`). Everything here is computed once per document and shared by every field.
 */
import { DEFAULT_MAX_DOCUMENT_CHARS } from "../../data/labeled-documents.ts";
import { fnvSeed, hashString, mix32 } from "../hashing.ts";
import type { DateMatch } from "./patterns.ts";

/** The one document length limit: the data reader's, so training, eval and serving cut a document at the same place. */
export const DEFAULT_MAX_CHARS = DEFAULT_MAX_DOCUMENT_CHARS;

/** A token is its offsets in the line (its text is line.text.slice(start, end), built only when needed). */
export interface SurfaceToken {
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
  /** The line's date matches, memoized by lineDates (candidates.ts): the date field and the document's year share them. */
  dates?: DateMatch[];
}

export interface ExtractDocument {
  lines: DocLine[];
  /** Characters dropped by the maxChars limit (0 when the text fit). */
  truncatedChars: number;
  /**
   * The distinct context keys of the first HEADER_LINES lines: who issued the document (its name, its registration
   * number's shape). Labeling conventions follow the issuer — one vendor's totals keep the printed "RM", another's drop it
   * — so features cross this with candidate traits.
   */
  headerKeys: number[];
  /** Memo of documentYear (features.ts); undefined until computed. */
  year?: number | null;
  /** Memo of each line's rank among lines with letters (features.ts). */
  textLineRank?: number[];
}

/** How many leading lines identify the issuer (chosen by cross-validation inside SROIE's train split). */
export const HEADER_LINES = 4;

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

// Token hashes are kept as int32 (`| 0`): small integers live unboxed in objects and arrays, while a uint32 above 2^31 is a
// heap number per token. Features only ever mix them bitwise (mixFeature), where both forms are the same 32 bits.
const EMPTY_KEY = hashString("") | 0;
const FNV_PRIME = 0x01000193;

function isAsciiAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * hashString(tokenKey(text.slice(start, end))) | 0 without building either string: the key's characters are fed to FNV-1a as
 * they are worked out. ASCII tokens only (every SROIE token but a handful); anything else, and punctuation-only tokens,
 * take the string path. A test pins the two paths to the same values: saved models depend on them.
 */
export function tokenKeyHash(text: string, start: number, end: number): number {
  let s = start;
  let e = end;
  let ascii = true;
  let hasDigit = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) ascii = false;
    else if (code >= 48 && code <= 57) hasDigit = true;
  }
  if (ascii) {
    while (s < e && !isAsciiAlnum(text.charCodeAt(s))) s++;
    while (e > s && !isAsciiAlnum(text.charCodeAt(e - 1))) e--;
  }
  if (!ascii || s === e) return hashString(tokenKey(text.slice(start, end))) | 0;
  let h = fnvSeed(0);
  if (!hasDigit) {
    for (let i = s; i < e; i++) {
      const code = text.charCodeAt(i);
      h = Math.imul(h ^ (code >= 65 && code <= 90 ? code + 32 : code), FNV_PRIME);
    }
    return mix32(h) | 0;
  }
  // Shape: digits → 9, letters → a, anything else kept; a run longer than 4 becomes four and a "+".
  let previous = -1;
  let run = 0;
  for (let i = s; i < e; i++) {
    const code = text.charCodeAt(i);
    const ch = code >= 48 && code <= 57 ? 57 : (code >= 65 && code <= 90) || (code >= 97 && code <= 122) ? 97 : code;
    run = ch === previous ? run + 1 : 1;
    previous = ch;
    if (run <= 4) h = Math.imul(h ^ ch, FNV_PRIME);
    else if (run === 5) h = Math.imul(h ^ 43, FNV_PRIME);
  }
  return mix32(h) | 0;
}

/** ":" ";" "|" split context keys ("DATE:25/12/2018" → "date", "99/99/9999"). */
function isContextSeparator(code: number): boolean {
  return code === 58 || code === 59 || code === 124;
}

/**
 * Tokens are runs of non-spaces, and a "(" opens a new token even when glued ("SDN BHD(728384-M)"): names end where
 * registration numbers begin. (The regex /\(?[^\s(]+|\(/g, as a character loop: lines arrive with single spaces.)
 */
function prepareLine(text: string): DocLine {
  const tokens: SurfaceToken[] = [];
  const tokenKeys: number[] = [];
  const contextKeys: number[] = [];
  let letters = 0;
  let hasDigits = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    const start = i;
    if (text.charCodeAt(i) === 40) i++;
    let separators = false;
    for (; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code === 32 || code === 40) break;
      if (isContextSeparator(code)) separators = true;
    }
    const keyHash = tokenKeyHash(text, start, i);
    tokens.push({ start, end: i, keyHash });
    tokenKeys.push(keyHash);
    // Most tokens have no separator and reuse their key as a context key.
    if (!separators) {
      if (keyHash !== EMPTY_KEY) contextKeys.push(keyHash);
      continue;
    }
    let partStart = start;
    for (let j = start; j <= i; j++) {
      if (j < i && !isContextSeparator(text.charCodeAt(j))) continue;
      if (j > partStart) contextKeys.push(tokenKeyHash(text, partStart, j));
      partStart = j + 1;
    }
  }
  for (let c = 0; c < n; c++) {
    const code = text.charCodeAt(c);
    if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters++;
    else if (isDigit(code)) hasDigits = true;
    else if (code > 127 && isLetter(code)) letters++;
  }
  return { text, tokens, tokenKeys, contextKeys, hasLetters: letters > 0, hasDigits };
}

/** The extractor's line split (trimmed, whitespace collapsed, empty lines dropped); prompt reduction ranks these lines. */
export function documentLines(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n|\r/)) {
    const line = raw.trim().replace(/\s+/g, " ");
    if (line !== "") lines.push(line);
  }
  return lines;
}

/**
 * Splits and tokenizes. Text beyond `maxChars` is dropped (the caller warns): a pasted 5 MB log must not stall the tier,
 * and the fields of a receipt or an invoice header live in its first pages.
 */
export function prepareDocument(text: string, options: { maxChars?: number } = {}): ExtractDocument {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const kept = text.length > maxChars ? text.slice(0, maxChars) : text;
  const lines = documentLines(kept).map(prepareLine);
  const header = new Set<number>();
  for (let i = 0; i < lines.length && i < HEADER_LINES; i++) for (const key of lines[i]?.contextKeys ?? []) header.add(key);
  return { lines, truncatedChars: text.length - kept.length, headerKeys: [...header] };
}
