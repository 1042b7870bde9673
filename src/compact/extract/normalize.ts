/**
 * The three string forms of an extracted value.
 *
 * - `cleanValue`: what the extractor returns: the text as printed, trimmed, whitespace runs collapsed to one space. SROIE
 *   labels keep the printed form ("25/12/2018", "RM 33.90"), so the extractor never reformats dates or amounts: a reformatted
 *   value would be "right" and still fail an exact-match metric and the user's downstream parser.
 * - `normalizeForMatch`: what scoring compares: trim, collapse whitespace, lower-case. This is the documented accuracy rule.
 * - `canonicalKey`: what the value memory indexes: lower-case letters and digits only, so "27,JALAN" and "27, JALAN" (the same
 *   address typed with different comma spacing by two annotators) land on the same key.
 */

export function cleanValue(value: string): string {
  return value.trim().replace(/\s+/g, " ");
}

export function normalizeForMatch(value: string): string {
  return cleanValue(value).toLowerCase();
}

/** Exact match after normalization; a null prediction never matches. */
export function valuesMatch(predicted: string | null, gold: string): boolean {
  return predicted !== null && normalizeForMatch(predicted) === normalizeForMatch(gold);
}

export function canonicalKey(value: string): string {
  // ASCII fast path (every candidate of every text field goes through here): one pass to check, then at most two
  // allocations (a character-by-character build left a string per character behind); anything else takes the Unicode regex.
  let canonical = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 127) return value.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
    if (!((code >= 97 && code <= 122) || (code >= 48 && code <= 57))) canonical = false;
  }
  return canonical ? value : value.replace(/[^A-Za-z0-9]+/g, "").toLowerCase();
}
