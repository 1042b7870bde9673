/**
 * The checksums that turn "a run of digits" into "an identifier": a detector's regex only finds candidates, and these
 * decide. Each one catches every single-digit substitution, which is what lets a near-miss (a mistyped number, a random
 * order number) go unflagged. All take a string of ASCII digits (or IBAN characters) with separators already removed.
 */

/** Luhn (ISO/IEC 7812): cards, SIREN, SIRET. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digit that makes `partial` + digit pass Luhn (for generators and tests). */
export function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + d)) return String(d);
  throw new Error("unreachable: one Luhn digit always fits");
}

/** ISO 13616 mod-97 over an IBAN (upper-case, no spaces): the country and check digits move to the end, letters count 10..35. */
export function ibanMod97(iban: string): number {
  let rest = 0;
  const n = iban.length;
  for (let k = 0; k < n; k++) {
    const code = iban.charCodeAt((k + 4) % n);
    if (code >= 48 && code <= 57) rest = (rest * 10 + (code - 48)) % 97;
    else if (code >= 65 && code <= 90) rest = (rest * 100 + (code - 55)) % 97;
    else return -1;
  }
  return rest;
}

/** The two check digits for a country and BBAN (for generators and tests). */
export function ibanCheckDigits(country: string, bban: string): string {
  const rest = ibanMod97(`${country}00${bban}`);
  return String(98 - rest).padStart(2, "0");
}

/**
 * IBAN lengths per country (SWIFT IBAN registry). A country missing here is rejected: without its length the checksum
 * alone would flag 1 in 97 random "XX12 ABCD..." strings.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28,
  TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
};

/** A compact, upper-case IBAN: known country, its exact length, mod 97 = 1. */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  return length === iban.length && ibanMod97(iban) === 1;
}

/**
 * The key of a French NIR: 97 - (first 13 digits mod 97). Corsica's departments 2A and 2B count as 19 and 18: the
 * number stays numeric for the key, which is how INSEE defines it.
 */
export function nirKey(first13: string): number {
  const numeric = first13.slice(0, 5) + corsica(first13.slice(5, 7)) + first13.slice(7);
  // 13 digits stay below 2^53, so plain numbers are exact.
  return 97 - (Number(numeric) % 97);
}

function corsica(department: string): string {
  const upper = department.toUpperCase();
  return upper === "2A" ? "19" : upper === "2B" ? "18" : department;
}

/** 15 characters: 13 (digits, or 2A/2B at the department) then a two-digit key. */
export function nirValid(nir: string): boolean {
  if (nir.length !== 15) return false;
  const key = Number(nir.slice(13));
  return key >= 1 && key <= 97 && nirKey(nir.slice(0, 13)) === key;
}

/** SIREN: 9 digits, Luhn. All zeros passes Luhn but names no company. */
export function sirenValid(siren: string): boolean {
  return siren.length === 9 && siren !== "000000000" && luhnValid(siren);
}

/** La Poste's establishments outgrew Luhn: INSEE checks them with the digit sum divisible by 5 instead. */
export const LA_POSTE_SIREN = "356000000";

/** SIRET: 14 digits, Luhn, with La Poste's exception. */
export function siretValid(siret: string): boolean {
  if (siret.length !== 14 || siret.startsWith("000000000")) return false;
  if (luhnValid(siret)) return true;
  if (!siret.startsWith(LA_POSTE_SIREN)) return false;
  let sum = 0;
  for (let i = 0; i < siret.length; i++) sum += siret.charCodeAt(i) - 48;
  return sum % 5 === 0;
}
