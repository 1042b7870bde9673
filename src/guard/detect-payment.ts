/**
 * Payment identifiers. Cards: 13-19 digits, bare or in the printed groupings (4-4-4-4[-3], Amex/Diners 4-6-5 and 4-6-4),
 * a known issuer prefix for that length, then Luhn. IBANs: a country code, two check digits and the BBAN, bare or in
 * groups of four, then the registry length for the country and ISO 13616 mod 97.
 */
import { digitsOf, SPACE, type NumberShape } from "./number-tokens.ts";
import { createRegexDetector } from "./regex-detector.ts";
import { IBAN_LENGTHS, ibanValid, luhnValid } from "./checksums.ts";
import type { PiiDetector } from "./types.ts";

// Printed groupings: 4-4-4-4 (and 4-4-4-4-3 for 19 digits), 4-6-5 (Amex), 4-6-4 (Diners); anything else only bare.
const CARD = String.raw`\d{13,19}|\d{4}(${SPACE}|-)\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}(${SPACE}|-)\d{6}\2\d{4,5}`;

interface IssuerRange {
  low: number;
  high: number;
  /** How many leading digits `low`/`high` cover. */
  width: number;
  lengths: readonly number[];
}

const from = (low: number, high: number): number[] => Array.from({ length: high - low + 1 }, (_, i) => low + i);

// Issuer (IIN) ranges with the lengths each issues: a Luhn-valid 16-digit number starting with 9, or a 14-digit one
// starting with 4, is not a card.
const ISSUERS: readonly IssuerRange[] = [
  { low: 4, high: 4, width: 1, lengths: [13, 16, 19] }, // Visa
  { low: 51, high: 55, width: 2, lengths: [16] }, // Mastercard
  { low: 2221, high: 2720, width: 4, lengths: [16] }, // Mastercard 2-series
  { low: 34, high: 34, width: 2, lengths: [15] }, // American Express
  { low: 37, high: 37, width: 2, lengths: [15] },
  { low: 6011, high: 6011, width: 4, lengths: from(16, 19) }, // Discover
  { low: 644, high: 649, width: 3, lengths: from(16, 19) },
  { low: 65, high: 65, width: 2, lengths: from(16, 19) },
  { low: 62, high: 62, width: 2, lengths: from(16, 19) }, // UnionPay
  { low: 3528, high: 3589, width: 4, lengths: from(16, 19) }, // JCB
  { low: 300, high: 305, width: 3, lengths: from(14, 19) }, // Diners Club
  { low: 36, high: 36, width: 2, lengths: from(14, 19) },
  { low: 38, high: 39, width: 2, lengths: from(16, 19) },
  { low: 2200, high: 2204, width: 4, lengths: from(16, 19) }, // Mir
  // Maestro: 12 to 19 digits on paper, 16 to 19 in circulation; the shorter ones would mostly catch other numbers.
  { low: 50, high: 50, width: 2, lengths: from(16, 19) },
  { low: 56, high: 58, width: 2, lengths: from(16, 19) },
  { low: 67, high: 67, width: 2, lengths: from(16, 19) },
];

/** Whether an issuer hands out card numbers of this prefix and length. */
export function knownCardIssuer(digits: string): boolean {
  for (const issuer of ISSUERS) {
    if (!issuer.lengths.includes(digits.length)) continue;
    const prefix = Number(digits.slice(0, issuer.width));
    if (prefix >= issuer.low && prefix <= issuer.high) return true;
  }
  return false;
}

export function cardShape(): NumberShape {
  return {
    type: "card",
    pattern: new RegExp(`^(?:${CARD})$`),
    minLength: 13,
    maxLength: 23,
    notAnAmount: true,
    valid(token) {
      const digits = digitsOf(token);
      return knownCardIssuer(digits) && luhnValid(digits);
    },
  };
}

// Groups of four with an optional space, a shorter last group; case-insensitive because people paste `fr76 …`.
const IBAN = String.raw`(?<!\w)[A-Za-z]{2}\d\d(?:${SPACE}?[A-Za-z0-9]{4}){2,7}(?:${SPACE}?[A-Za-z0-9]{1,3})?(?!\w)`;
const SPACES = /[ \u00A0\u202F]/g;

export function createIbanDetector(): PiiDetector {
  return createRegexDetector("iban", IBAN, "", (match) => {
    const raw = match[0];
    const compact = raw.replace(SPACES, "").toUpperCase();
    const length = IBAN_LENGTHS[compact.slice(0, 2)];
    if (length === undefined || compact.length < length) return false;
    if (compact.length === length) return ibanValid(compact);
    // The greedy groups can swallow a following word of four (`… 7034 CODE`): cut at the country's length, but only
    // where a space separates, so that an IBAN glued to more characters is still rejected.
    const cut = rawIndexAfter(raw, length);
    if (!isSpace(raw[cut]) || !ibanValid(compact.slice(0, length))) return false;
    return [match.index, match.index + cut];
  });
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\u00A0" || c === "\u202F";
}

/** The index in `raw` just after its `count`-th non-space character. */
function rawIndexAfter(raw: string, count: number): number {
  let seen = 0;
  for (let i = 0; i < raw.length; i++) {
    if (!isSpace(raw[i])) seen++;
    if (seen === count) return i + 1;
  }
  return raw.length;
}
