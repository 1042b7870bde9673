/**
 * Near-misses: text a detector must leave alone. Some are identifiers with one digit changed (every checksum used here
 * catches a single substitution), some are too short, and some are the numbers prompts are full of — dates, amounts,
 * order numbers, timestamps, versions, times. Seeded like the valid generators.
 */
import type { Rng } from "../core/random.ts";
import { cardCompact, ibanCompact, nirCompact, pick, randomDigits, randomInt, sirenCompact, siretCompact } from "./pii-generators.ts";

/** The same string with one digit (not at `from`..) replaced by a different digit. */
function changeOneDigit(rng: Rng, value: string, from = 0): string {
  const positions: number[] = [];
  for (let i = from; i < value.length; i++) if (/\d/.test(value[i] as string)) positions.push(i);
  const at = pick(rng, positions);
  const old = Number(value[at]);
  const next = (old + randomInt(rng, 1, 9)) % 10;
  return value.slice(0, at) + String(next) + value.slice(at + 1);
}

function spaced(value: string, size: number): string {
  return value.replace(new RegExp(`(.{${size}})(?=.)`, "g"), "$1 ");
}

export const NEAR_MISS_KINDS = [
  "card_checksum",
  "card_short",
  "iban_checksum",
  "iban_short",
  "nir_checksum",
  "siren_checksum",
  "siret_checksum",
  "phone_short",
  "ip_out_of_range",
  "date",
  "amount",
  "order_number",
  "timestamp",
  "version",
] as const;

export type NearMissKind = (typeof NEAR_MISS_KINDS)[number];

const MONTHS_FR = ["janvier", "mars", "juin", "septembre", "décembre"];

export const NEAR_MISS_GENERATORS: Record<NearMissKind, (rng: Rng) => string> = {
  card_checksum: (rng) => spaced(changeOneDigit(rng, cardCompact(rng)), 4),
  card_short: (rng) => spaced(`4${randomDigits(rng, 11)}`, 4),
  // Check digits or BBAN: either way mod 97 no longer gives 1.
  iban_checksum: (rng) => spaced(changeOneDigit(rng, ibanCompact(rng), 2), 4),
  iban_short: (rng) => spaced(ibanCompact(rng).slice(0, -4), 4),
  nir_checksum: (rng) => changeOneDigit(rng, nirCompact(rng)),
  siren_checksum: (rng) => changeOneDigit(rng, sirenCompact(rng)).replace(/^(\d{3})(\d{3})/, "$1 $2 "),
  // La Poste's SIRETs are left out: a digit-sum rule misses changes by 5.
  siret_checksum: (rng) => changeOneDigit(rng, siretCompact(rng, false)),
  phone_short: (rng) => pick(rng, [`06 ${randomDigits(rng, 2)} ${randomDigits(rng, 2)} ${randomDigits(rng, 2)}`, `+33 6 ${randomDigits(rng, 2)}`, `0${randomDigits(rng, 7)}`]),
  ip_out_of_range: (rng) => pick(rng, [`${randomInt(rng, 256, 999)}.${randomInt(rng, 0, 255)}.${randomInt(rng, 0, 255)}.${randomInt(rng, 0, 255)}`, `10.${randomInt(rng, 0, 255)}.${randomInt(rng, 0, 255)}`]),
  date: (rng) => {
    const d = String(randomInt(rng, 1, 28)).padStart(2, "0");
    const m = String(randomInt(rng, 1, 12)).padStart(2, "0");
    const y = randomInt(rng, 1990, 2030);
    return pick(rng, [`${d}/${m}/${y}`, `${y}-${m}-${d}`, `${d}.${m}.${y}`, `${d} ${pick(rng, MONTHS_FR)} ${y}`, `${m}/${d}/${y} ${randomInt(rng, 0, 23)}:${d}`]);
  },
  amount: (rng) => {
    const units = randomInt(rng, 1, 999);
    const thousands = randomInt(rng, 1, 999);
    const cents = String(randomInt(rng, 0, 99)).padStart(2, "0");
    return pick(rng, [`${thousands} ${String(units).padStart(3, "0")},${cents} €`, `€${thousands},${String(units).padStart(3, "0")}.${cents}`, `$${units}.${cents}`, `${units}.${cents} EUR`, `${thousands}${String(units).padStart(3, "0")} €`]);
  },
  order_number: (rng) => pick(rng, [`CMD-${randomInt(rng, 2015, 2030)}-${randomDigits(rng, 5)}`, `#A${randomDigits(rng, 5)}`, `n° ${randomDigits(rng, 6)}`, `PO ${randomDigits(rng, 4)}-${randomDigits(rng, 4)}`]),
  timestamp: (rng) => {
    const hh = String(randomInt(rng, 0, 23)).padStart(2, "0");
    const mm = String(randomInt(rng, 0, 59)).padStart(2, "0");
    return pick(rng, [`1${randomInt(rng, 600000000, 799999999)}`, `2024-0${randomInt(rng, 1, 9)}-1${randomInt(rng, 0, 9)}T${hh}:${mm}:00Z`, `${hh}:${mm}:${mm}`, `${hh}h${mm}`]);
  },
  version: (rng) => pick(rng, [`v${randomInt(rng, 0, 9)}.${randomInt(rng, 0, 20)}.${randomInt(rng, 0, 30)}`, `${randomInt(rng, 1, 20)}.${randomInt(rng, 0, 20)}.${randomInt(rng, 0, 99)}`]),
};
