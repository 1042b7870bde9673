/**
 * The numeric family (phone, card, NIR, SIREN, SIRET, IPv4) in one regex pass. The pass cuts the text into number
 * tokens: a digit run with single separators (`06 12 34 56 78`, `4111-1111-…`, `192.168.1.10`), optionally opened by
 * `+` or `(`, with bracketed groups (`+33 (0)6…`, `(555) 123-4567`) and Corsica's `2A`/`2B`. Each type then tests its
 * exact shape anchored on the token, and its checksum. Cutting first is what makes boundaries one rule for all: a
 * number is the whole token or nothing, so a card inside a longer run (`12 4111 1111 1111 1111`, `…1111 2222`), a
 * decimal (`3.4111…`) or a date-and-number run is never cut into an identifier. The cost: two identifiers separated
 * by a single space or comma and nothing else read as one run, and neither is flagged.
 */
import type { BuiltinPiiType, PiiDetector, PiiFinding } from "./types.ts";

/** A space inside a number: French typography writes `06 12 34 56 78` with no-break or narrow no-break spaces. */
export const SPACE = String.raw`[ \u00A0\u202F]`;
const SEP = String.raw`[ \u00A0\u202F.,\-/]`;
// A separator or `)` only continues a token when a digit (or a bracketed digit) follows, so tokens never end on one.
const TOKEN = String.raw`[+(]?\d(?:\d|${SEP}(?=\d|\(\d)|\((?=\d)|\)(?=${SEP}?(?:\d|\(\d))|(?<=2)[ABab](?=${SEP}?\d))*`;

/** One type's exact shape, tested anchored on a whole token, and its check. */
export interface NumberShape {
  type: BuiltinPiiType;
  /** Anchored (`^…$`), not global: `exec` keeps no state. */
  pattern: RegExp;
  /** Token lengths the pattern can match, separators included: most tokens are turned away by length alone. */
  minLength: number;
  maxLength: number;
  valid(token: string, match: RegExpExecArray): boolean;
  /** Identifiers are not amounts: `123456789 €` is refused whatever its checksum (phones and addresses are exempt). */
  notAnAmount: boolean;
}

/** The ASCII digits of a candidate, separators dropped. */
export function digitsOf(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) out += value[i];
  }
  return out;
}

const CURRENCY_AFTER = /^[ \u00A0\u202F]?(?:€|\$|£|¥|EUR|USD|GBP|CHF|JPY)(?![A-Za-z])/;
const CURRENCY_BEFORE = /(?:€|\$|£|¥|EUR|USD|GBP|CHF|JPY)[ \u00A0\u202F]?$/;

export function besideCurrency(text: string, start: number, end: number): boolean {
  return CURRENCY_AFTER.test(text.slice(end, end + 5)) || CURRENCY_BEFORE.test(text.slice(Math.max(0, start - 5), start));
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function createNumberDetector(shapes: readonly NumberShape[]): PiiDetector {
  const tokens = new RegExp(TOKEN, "g");
  const minToken = Math.min(...shapes.map((s) => s.minLength));
  return {
    types: shapes.map((s) => s.type),
    detect(text: string, out: PiiFinding[]): void {
      tokens.lastIndex = 0;
      for (let match = tokens.exec(text); match !== null; match = tokens.exec(text)) {
        let token = match[0];
        let start = match.index;
        const end = start + token.length;
        if (token.length < minToken) continue;
        // Glued to a word (`A4111…`, `…1111abc`) or signed (`a+33…`): part of something else.
        if (start > 0 && (isWordChar(text.charCodeAt(start - 1)) || text[start - 1] === "+")) continue;
        if (end < text.length && isWordChar(text.charCodeAt(end))) continue;
        // `(06 12 34 56 78)`: the closing bracket never joins a token, so an unclosed opening one is punctuation.
        if (token[0] === "(" && !token.includes(")")) {
          token = token.slice(1);
          start++;
        }
        for (const shape of shapes) {
          if (token.length < shape.minLength || token.length > shape.maxLength) continue;
          const exact = shape.pattern.exec(token);
          if (exact === null || !shape.valid(token, exact)) continue;
          if (shape.notAnAmount && besideCurrency(text, start, end)) continue;
          out.push({ type: shape.type, start, end });
        }
      }
    },
  };
}
