/**
 * Generators of valid identifiers (checksums computed, so a detector that rejects one is wrong) and of near-misses (one
 * digit changed, too short, a date, an amount...: a detector that flags one is wrong). Seeded through src/core/random.ts,
 * so a labeled set is the same on every machine. Used by the labeled set, the property tests and the bench.
 */
import type { Rng } from "../core/random.ts";
import { ibanCheckDigits, LA_POSTE_SIREN, luhnCheckDigit, nirKey } from "./checksums.ts";
import type { BuiltinPiiType } from "./types.ts";

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

export function randomInt(rng: Rng, low: number, high: number): number {
  return low + Math.floor(rng() * (high - low + 1));
}

export function randomDigits(rng: Rng, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += String(Math.floor(rng() * 10));
  return out;
}

function randomLetters(rng: Rng, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += String.fromCharCode(65 + Math.floor(rng() * 26));
  return out;
}

/** `sizes` = group lengths; the last group takes whatever is left. */
function grouped(value: string, sizes: readonly number[], separator: string): string {
  const groups: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= value.length) break;
    groups.push(value.slice(at, at + size));
    at += size;
  }
  if (at < value.length) groups.push(value.slice(at));
  return groups.join(separator);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

const FIRST = ["jean", "marie", "lucas", "chloé", "élodie", "jérôme", "emma", "noah", "olivia", "liam", "camille", "hugo", "sarah", "james"];
const LAST = ["dupont", "martin", "bernard", "smith", "johnson", "moreau", "lefevre", "garcia", "brown", "nguyen"];
const DOMAINS = ["example.com", "example.fr", "mail.example.org", "acme.co.uk", "societe-generale.example", "univ-lyon.fr"];

function email(rng: Rng): string {
  const first = pick(rng, FIRST);
  const last = pick(rng, LAST);
  const local = pick(rng, [`${first}.${last}`, `${first[0]}${last}${randomInt(rng, 1, 99)}`, `${first}+${pick(rng, ["news", "work"])}`, `${first}_${last}`]);
  return `${local}@${pick(rng, DOMAINS)}`;
}

function phone(rng: Rng): string {
  const pairs = [pick(rng, ["1", "2", "3", "4", "5", "6", "7", "9"]), randomDigits(rng, 8)].join("");
  const national = `0${pairs}`;
  const us = `${randomInt(rng, 2, 9)}${randomDigits(rng, 2)}`;
  const forms = [
    () => grouped(national, [2, 2, 2, 2, 2], pick(rng, [" ", ".", "-"])),
    () => national,
    () => `+33 ${grouped(pairs, [1, 2, 2, 2, 2], " ")}`,
    () => `+33 (0)${grouped(pairs, [1, 2, 2, 2, 2], " ")}`,
    () => `+33${pairs}`,
    () => `+44 20 ${randomDigits(rng, 4)} ${randomDigits(rng, 4)}`,
    () => `+1 (${us}) ${randomDigits(rng, 3)}-${randomDigits(rng, 4)}`,
    () => `(${us}) ${randomDigits(rng, 3)}-${randomDigits(rng, 4)}`,
    () => `${us}-${randomDigits(rng, 3)}-${randomDigits(rng, 4)}`,
    () => `+49 30 ${randomDigits(rng, 7)}`,
  ];
  return pick(rng, forms)();
}

const IBAN_BBANS: ReadonlyArray<readonly [string, (rng: Rng) => string]> = [
  ["FR", (rng) => randomDigits(rng, 23)],
  ["DE", (rng) => randomDigits(rng, 18)],
  ["ES", (rng) => randomDigits(rng, 20)],
  ["IT", (rng) => randomLetters(rng, 1) + randomDigits(rng, 22)],
  ["BE", (rng) => randomDigits(rng, 12)],
  ["NL", (rng) => randomLetters(rng, 4) + randomDigits(rng, 10)],
  ["GB", (rng) => randomLetters(rng, 4) + randomDigits(rng, 14)],
  ["CH", (rng) => randomDigits(rng, 17)],
  ["LU", (rng) => randomDigits(rng, 16)],
  ["PT", (rng) => randomDigits(rng, 21)],
];

/** A compact, valid IBAN. */
export function ibanCompact(rng: Rng): string {
  const [country, bban] = pick(rng, IBAN_BBANS);
  const body = bban(rng);
  return `${country}${ibanCheckDigits(country, body)}${body}`;
}

function formatIban(rng: Rng, compact: string): string {
  return rng() < 0.6 ? grouped(compact, [4, 4, 4, 4, 4, 4, 4, 4], " ") : compact;
}

const CARD_PREFIXES: ReadonlyArray<readonly [() => string, number]> = [
  [() => "4", 16],
  [() => "4", 13],
  [() => "5", 16],
  [() => "2", 16],
  [() => "34", 15],
  [() => "37", 15],
  [() => "6011", 16],
  [() => "35", 16],
];

/** A compact, valid card number (prefixes refined to real issuer ranges). */
export function cardCompact(rng: Rng): string {
  const [prefixOf, length] = pick(rng, CARD_PREFIXES);
  let prefix = prefixOf();
  if (prefix === "5") prefix = `5${randomInt(rng, 1, 5)}`;
  if (prefix === "2") prefix = String(randomInt(rng, 2221, 2720));
  if (prefix === "35") prefix = String(randomInt(rng, 3528, 3589));
  const partial = prefix + randomDigits(rng, length - prefix.length - 1);
  return partial + luhnCheckDigit(partial);
}

function formatCard(rng: Rng, compact: string): string {
  // Legacy 13-digit Visa numbers have no printed grouping that would be told apart from other numbers: bare only.
  if (rng() < 0.3 || compact.length === 13) return compact;
  const separator = pick(rng, [" ", "-"]);
  return compact.length === 15 ? grouped(compact, [4, 6, 5], separator) : grouped(compact, [4, 4, 4, 4], separator);
}

/** A compact, valid NIR (one in ten born in Corsica). */
export function nirCompact(rng: Rng): string {
  const department = rng() < 0.1 ? pick(rng, ["2A", "2B"]) : pad(pick(rng, [randomInt(rng, 1, 19), randomInt(rng, 21, 95)]), 2);
  const first13 = `${randomInt(rng, 1, 2)}${randomDigits(rng, 2)}${pad(randomInt(rng, 1, 12), 2)}${department}${pad(randomInt(rng, 1, 999), 3)}${pad(randomInt(rng, 1, 999), 3)}`;
  return first13 + pad(nirKey(first13), 2);
}

function formatNir(rng: Rng, compact: string): string {
  return rng() < 0.5 ? grouped(compact, [1, 2, 2, 2, 3, 3, 2], " ") : compact;
}

export function sirenCompact(rng: Rng): string {
  const partial = `${randomInt(rng, 1, 9)}${randomDigits(rng, 7)}`;
  return partial + luhnCheckDigit(partial);
}

/** A valid SIRET; one in ten is one of La Poste's, valid by digit sum rather than Luhn. */
export function siretCompact(rng: Rng, allowLaPoste = true): string {
  if (allowLaPoste && rng() < 0.1) {
    const partial = LA_POSTE_SIREN + randomDigits(rng, 4);
    let sum = 0;
    for (const c of partial) sum += Number(c);
    return partial + String((5 - (sum % 5)) % 5 + (rng() < 0.5 ? 0 : 5));
  }
  const partial = sirenCompact(rng) + randomDigits(rng, 4);
  return partial + luhnCheckDigit(partial);
}

function ip(rng: Rng): string {
  const hex = (): string => randomInt(rng, 0, 0xffff).toString(16);
  const forms = [
    () => `${randomInt(rng, 1, 223)}.${randomInt(rng, 0, 255)}.${randomInt(rng, 0, 255)}.${randomInt(rng, 1, 254)}`,
    () => `192.168.${randomInt(rng, 0, 255)}.${randomInt(rng, 1, 254)}`,
    () => `2001:db8:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${randomInt(rng, 1, 0xfff).toString(16)}`,
    () => `2001:db8::${randomInt(rng, 1, 0xfff).toString(16)}`,
    () => `fe80::${hex()}:${hex()}:${randomInt(rng, 1, 0xfff).toString(16)}`,
    () => "::1",
  ];
  return pick(rng, forms)();
}

/** A valid, formatted value of each built-in type. */
export const VALID_GENERATORS: Record<BuiltinPiiType, (rng: Rng) => string> = {
  email,
  phone,
  iban: (rng) => formatIban(rng, ibanCompact(rng)),
  card: (rng) => formatCard(rng, cardCompact(rng)),
  fr_nir: (rng) => formatNir(rng, nirCompact(rng)),
  fr_siren: (rng) => {
    const siren = sirenCompact(rng);
    return rng() < 0.5 ? grouped(siren, [3, 3, 3], " ") : siren;
  },
  fr_siret: (rng) => {
    const siret = siretCompact(rng);
    return rng() < 0.5 ? grouped(siret, [3, 3, 3, 5], " ") : siret;
  },
  ip,
};
