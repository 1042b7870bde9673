/**
 * French identifiers. NIR (social security number): sex 1/2, year, month (01-12, or the 20/30-42/50-99 INSEE uses when
 * the month is unknown), department (digits, 2A/2B for Corsica), commune, order, then the key 97 - (n mod 97); written
 * bare or with spaces at the usual places (`1 85 05 78 006 084 91`). SIREN: 9 digits (3-3-3), Luhn. SIRET: the SIREN
 * plus a 5-digit establishment number (3-3-3-5 or 3-3-3-3-2), Luhn, with La Poste's digit-sum exception. A 14-digit
 * token is never cut into a SIREN, which is how a valid SIRET is preferred over the SIREN it starts with.
 */
import { digitsOf, SPACE, type NumberShape } from "./number-tokens.ts";
import { nirValid, sirenValid, siretValid } from "./checksums.ts";

const MONTH = String.raw`(?:0[1-9]|1[0-2]|20|3\d|4[0-2]|[5-9]\d)`;
const NIR = String.raw`[12]${SPACE}?\d\d${SPACE}?${MONTH}${SPACE}?(?:\d\d|2[ABab])${SPACE}?\d{3}${SPACE}?\d{3}${SPACE}?\d\d`;
// One separator choice (a space or none) for the whole number: `732829 320` is more likely two numbers than a SIREN.
const SIREN = String.raw`\d{3}(${SPACE}?)\d{3}\1\d{3}`;
const SIRET = String.raw`\d{3}(${SPACE}?)\d{3}\1\d{3}(?:\1\d{5}|\1\d{3}\1\d\d)`;
const SPACES = /[ \u00A0\u202F]/g;

export function nirShape(): NumberShape {
  const valid = (token: string) => nirValid(token.replace(SPACES, "").toUpperCase());
  return { type: "fr_nir", pattern: new RegExp(`^${NIR}$`), minLength: 15, maxLength: 21, notAnAmount: true, valid };
}

export function sirenShape(): NumberShape {
  return { type: "fr_siren", pattern: new RegExp(`^${SIREN}$`), minLength: 9, maxLength: 11, notAnAmount: true, valid: (token) => sirenValid(digitsOf(token)) };
}

export function siretShape(): NumberShape {
  return { type: "fr_siret", pattern: new RegExp(`^${SIRET}$`), minLength: 14, maxLength: 18, notAnAmount: true, valid: (token) => siretValid(digitsOf(token)) };
}
