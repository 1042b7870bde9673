/**
 * A labeled set for the guard, generated (no external data, so no personal data either): English and French sentences
 * with valid identifiers of every type at known offsets (the gold spans) and near-misses that must not be flagged. Each
 * sentence has one to three clauses, and some frames carry dates, times and amounts of their own. Deterministic for a
 * seed: quality.test.ts and bench/guard.ts use different seeds.
 */
import { createRng, type Rng } from "../core/random.ts";
import { NEAR_MISS_GENERATORS, NEAR_MISS_KINDS, type NearMissKind } from "./near-miss-generators.ts";
import { pick, VALID_GENERATORS } from "./pii-generators.ts";
import { BUILTIN_PII_TYPES, type BuiltinPiiType, type PiiFinding } from "./types.ts";

export type Language = "en" | "fr";

export interface LabeledSentence {
  text: string;
  language: Language;
  /** Every PII span in `text`: what a perfect guard returns. */
  gold: PiiFinding[];
  /** Where the near-misses are, for reading a false positive (not used in scoring). */
  nearMisses: Array<{ kind: NearMissKind; start: number; end: number }>;
}

export interface LabeledSetOptions {
  seed: number;
  size: number;
  /** Share of clauses holding a valid identifier; the rest hold a near-miss. */
  validShare?: number;
}

const LEADS: Record<Language, Record<BuiltinPiiType, readonly string[]>> = {
  en: {
    email: ["my email is", "please write to", "contact"],
    phone: ["call me at", "my number is", "phone:"],
    iban: ["my IBAN is", "wire the refund to", "IBAN"],
    card: ["my card number is", "charge the card", "card"],
    fr_nir: ["my social security number is", "NIR", "insured person number"],
    fr_siren: ["the company's SIREN is", "SIREN", "registered under"],
    fr_siret: ["SIRET", "the establishment number is", "billing site SIRET:"],
    ip: ["the server IP is", "connect to", "requests came from"],
  },
  fr: {
    email: ["mon e-mail est", "écrivez à", "contact :"],
    phone: ["appelez-moi au", "mon numéro est le", "tél."],
    iban: ["mon IBAN est", "virez le remboursement sur", "IBAN"],
    card: ["ma carte bancaire est la", "débitez la carte", "carte n°"],
    fr_nir: ["mon numéro de sécurité sociale est", "NIR :", "numéro d'assuré"],
    fr_siren: ["le SIREN de la société est", "SIREN", "immatriculée sous le numéro"],
    fr_siret: ["SIRET", "le numéro d'établissement est", "SIRET du site :"],
    ip: ["l'adresse IP du serveur est", "connectez-vous à", "les requêtes venaient de"],
  },
};

const NEAR_LEADS: Record<Language, readonly string[]> = {
  en: ["the reference is", "total due:", "see", "we noted", "the value was"],
  fr: ["la référence est", "total à payer :", "voir", "nous avons relevé", "la valeur était"],
};

/** Clause frames: `{}` is the lead and the value; some frames add dates, times and amounts that must stay unflagged. */
const FRAMES: Record<Language, readonly string[]> = {
  en: [
    "{}",
    "Hi, {} — can you check it before Monday?",
    "{}, and the meeting moved to 14:30 on 12/03/2024",
    "Could you update the record? {} (ticket #4521)",
    "As discussed, {}; the invoice of 1 250,00 € is attached",
    "Thanks! {}.",
    "Row 42;{};active",
    "Note ({})",
    "\"{}\" — confirmed?",
    "- {}\n- done",
  ],
  fr: [
    "{}",
    "Bonjour, {} — pouvez-vous vérifier avant lundi ?",
    "{}, et la réunion est déplacée à 14h30 le 12/03/2024",
    "Merci de mettre à jour le dossier : {} (ticket n° 4521)",
    "Comme convenu, {} ; la facture de 1 250,00 € est jointe",
    "Merci ! {}.",
    "Ligne 42;{};actif",
    "Remarque ({})",
    "« {} » — confirmé ?",
    "- {}\n- fait",
  ],
};

interface Clause {
  text: string;
  gold?: PiiFinding;
  nearMiss?: { kind: NearMissKind; start: number; end: number };
}

function clause(rng: Rng, language: Language, validShare: number): Clause {
  const frame = pick(rng, FRAMES[language]);
  const at = frame.indexOf("{}");
  let lead: string;
  let value: string;
  let type: BuiltinPiiType | undefined;
  let kind: NearMissKind | undefined;
  if (rng() < validShare) {
    type = pick(rng, BUILTIN_PII_TYPES);
    lead = pick(rng, LEADS[language][type]);
    value = VALID_GENERATORS[type](rng);
  } else {
    kind = pick(rng, NEAR_MISS_KINDS);
    lead = pick(rng, NEAR_LEADS[language]);
    value = NEAR_MISS_GENERATORS[kind](rng);
  }
  // French typography puts no-break spaces inside numbers; text pasted from a web page or a PDF keeps them.
  if (language === "fr" && type !== "email" && type !== "ip" && rng() < 0.2) value = value.replaceAll(" ", "\u00A0");
  const start = at + lead.length + 1;
  const end = start + value.length;
  const text = `${frame.slice(0, at)}${lead} ${value}${frame.slice(at + 2)}`;
  if (type !== undefined) return { text, gold: { type, start, end } };
  return { text, nearMiss: { kind: kind as NearMissKind, start, end } };
}

export function generateLabeledSet(options: LabeledSetOptions): LabeledSentence[] {
  const rng = createRng(options.seed);
  const validShare = options.validShare ?? 0.6;
  const sentences: LabeledSentence[] = [];
  for (let i = 0; i < options.size; i++) {
    const language: Language = rng() < 0.5 ? "en" : "fr";
    const count = 1 + Math.floor(rng() * 3);
    const sentence: LabeledSentence = { text: "", language, gold: [], nearMisses: [] };
    for (let c = 0; c < count; c++) {
      const part = clause(rng, language, validShare);
      const offset = sentence.text.length === 0 ? 0 : sentence.text.length + 1;
      sentence.text = sentence.text.length === 0 ? part.text : `${sentence.text} ${part.text}`;
      if (part.gold) sentence.gold.push({ ...part.gold, start: part.gold.start + offset, end: part.gold.end + offset });
      if (part.nearMiss) sentence.nearMisses.push({ ...part.nearMiss, start: part.nearMiss.start + offset, end: part.nearMiss.end + offset });
    }
    sentences.push(sentence);
  }
  return sentences;
}
