/**
 * Typed patterns for the two value types every business document has: dates and amounts. Each match keeps its surface form
 * (what the extractor answers) and a format id (a feature: receipts of one vendor print dates one way, and "dd/mm/yyyy next
 * to a time" is a stronger date than "dd-mm-yy" inside an invoice number). Matches are validated (month 1-12, day 1-31) so
 * that phone numbers and codes do not flood the candidate list.
 */

export interface DateMatch {
  /** The matched text as printed. */
  text: string;
  start: number;
  end: number;
  /** e.g. "d/m/y4", "y4-m-d", "d mon y2", "mon d, y4", "ymd8". */
  format: string;
}

export interface AmountMatch {
  /** The number as printed, sign included, without currency: "33.90", "1,007.50", "-1.73". */
  number: string;
  /** The currency marker printed before it ("RM", "$"), or "" when none. */
  currency: string;
  /** Whitespace between the currency and the number ("" when attached: "RM33.90"). */
  gap: string;
  /** Offsets of the whole match, currency included. */
  start: number;
  end: number;
  /** Numeric value, for magnitude features. */
  value: number;
  /** Digits after the decimal separator. */
  decimals: number;
}

const MONTH = "JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?|SEP(?:T(?:EMBER)?)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?";
const MONTHS: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

// Each regex is global and sticky-free; lookarounds keep a date from starting or ending inside a longer number.
const NUMERIC_DMY = /(?<!\d)(\d{1,2})([/\-.])(\d{1,2})\2(\d{4}|\d{2})(?![\d])/g;
const NUMERIC_YMD = /(?<!\d)(\d{4})([/\-.])(\d{1,2})\2(\d{1,2})(?!\d)/g;
const DAY_MONTH_YEAR = new RegExp(`(?<![\\dA-Z])(\\d{1,2})([ \\-/.]?)(${MONTH})\\.?([ \\-/.,]{0,2})(\\d{4}|\\d{2})(?!\\d)`, "gi");
const MONTH_DAY_YEAR = new RegExp(`(?<![A-Z])(${MONTH})\\.?[ ]?(\\d{1,2})(?:ST|ND|RD|TH)?,?[ ]?(\\d{4})(?!\\d)`, "gi");
const COMPACT_DATE = /(?<!\d)(\d{8})(?!\d)/g;

function separatorName(separator: string): string {
  if (separator === "") return "";
  return separator.trim() === "" ? " " : (separator.trim()[0] ?? " ");
}

function validDay(day: number, month: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** Day-first or month-first: either reading must be a real calendar date, else it is a code, not a date. */
function validNumericDate(first: number, second: number): boolean {
  return validDay(first, second) || validDay(second, first);
}

function validCompact(digits: string): boolean {
  const year = Number(digits.slice(0, 4));
  if (year >= 1970 && year <= 2099 && validDay(Number(digits.slice(6, 8)), Number(digits.slice(4, 6)))) return true;
  const yearLast = Number(digits.slice(4, 8));
  return yearLast >= 1970 && yearLast <= 2099 && validNumericDate(Number(digits.slice(0, 2)), Number(digits.slice(2, 4)));
}

// Cheap tests that rule a pattern out before its (much slower) global regex runs: most receipt lines hold no date.
const MAY_NUMERIC = /\d[/\-.]\d/;
const MAY_MONTH = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC/i;
const MAY_COMPACT = /\d{8}/;

/** Two patterns can match the same text ("2018-03-23" is never d-m-y, but "12.03.18" can only be one): keep the first. */
function pushDate(found: DateMatch[], match: RegExpMatchArray, format: string): void {
  const start = match.index ?? 0;
  const end = start + match[0].length;
  for (const f of found) if (start < f.end && f.start < end) return;
  found.push({ text: match[0], start, end, format });
}

export function findDates(text: string): DateMatch[] {
  const found: DateMatch[] = [];
  const numeric = MAY_NUMERIC.test(text);
  const month = MAY_MONTH.test(text);
  if (!numeric && !month && !MAY_COMPACT.test(text)) return found;
  if (numeric) for (const m of text.matchAll(NUMERIC_YMD)) {
    if (validDay(Number(m[4]), Number(m[3]))) pushDate(found, m, `y4${m[2]}m${m[2]}d`);
  }
  if (numeric) for (const m of text.matchAll(NUMERIC_DMY)) {
    if (validNumericDate(Number(m[1]), Number(m[3]))) pushDate(found, m, `d${m[2]}m${m[2]}y${(m[4] ?? "").length}`);
  }
  if (month) for (const m of text.matchAll(DAY_MONTH_YEAR)) {
    const month = MONTHS[(m[3] ?? "").slice(0, 3).toUpperCase()] ?? 0;
    if (validDay(Number(m[1]), month)) pushDate(found, m, `d${separatorName(m[2] ?? "")}mon${separatorName(m[4] ?? "")}y${(m[5] ?? "").length}`);
  }
  if (month) for (const m of text.matchAll(MONTH_DAY_YEAR)) {
    const month = MONTHS[(m[1] ?? "").slice(0, 3).toUpperCase()] ?? 0;
    if (validDay(Number(m[2]), month)) pushDate(found, m, "mon d, y4");
  }
  if (MAY_COMPACT.test(text)) for (const m of text.matchAll(COMPACT_DATE)) {
    if (validCompact(m[1] ?? "")) pushDate(found, m, "ymd8");
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * The year a date match names, or null when it names none plausible (1990-2099). Two-digit years are read as 20yy: the
 * documents this serves are recent, and a wrong century only shifts a feature bucket, never an answer.
 */
export function dateYear(match: DateMatch): number | null {
  const digits = match.text.replace(/\D+/g, "");
  let year: number;
  if (match.format.startsWith("y4")) year = Number(digits.slice(0, 4));
  else if (match.format === "ymd8") {
    const first = Number(digits.slice(0, 4));
    year = first >= 1990 && first <= 2099 ? first : Number(digits.slice(4, 8));
  } else if (match.format.endsWith("y2")) year = 2000 + Number(digits.slice(-2));
  else year = Number(digits.slice(-4));
  return year >= 1990 && year <= 2099 ? year : null;
}

/** True when the whole string is one date (used to infer a field's type from its training values). */
export function isDate(value: string): boolean {
  const trimmed = value.trim();
  const dates = findDates(trimmed);
  return dates.length === 1 && dates[0]?.start === 0 && dates[0].end === trimmed.length;
}

// Currency markers seen on receipts and invoices; the marker is kept when the label keeps it, so it must be matched.
const AMOUNT = /(?<![\p{L}\p{N}.,])(?:(RM|MYR|USD|EUR|GBP|SGD|US\$|S\$|\$|€|£)(\s?))?(-?)(\d{1,3}(?:,\d{3})+|\d+)\.(\d{1,2})(?![\d])/gu;

export function findAmounts(text: string): AmountMatch[] {
  const found: AmountMatch[] = [];
  for (const m of text.matchAll(AMOUNT)) {
    const start = m.index ?? 0;
    const currency = m[1] ?? "";
    const sign = m[3] ?? "";
    const integer = m[4] ?? "0";
    const fraction = m[5] ?? "";
    const number = `${sign}${integer}.${fraction}`;
    found.push({
      number,
      currency,
      gap: m[2] ?? "",
      start,
      end: start + m[0].length,
      value: Number(`${sign}${integer.replace(/,/g, "")}.${fraction}`),
      decimals: fraction.length,
    });
  }
  return found;
}

/** True when the whole string is one amount, currency allowed ("9.00", "RM 33.90", "$8.20"). */
export function isAmount(value: string): boolean {
  const trimmed = value.trim();
  const amounts = findAmounts(trimmed);
  return amounts.length === 1 && amounts[0]?.start === 0 && amounts[0].end === trimmed.length;
}
