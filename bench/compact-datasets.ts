/**
 * Labeled text sets for the compact-classifier bench, built from the data in examples/. BANKING77 is the target; the others
 * exist to check that the same defaults hold on tasks they were not chosen on:
 *   - sroie-lines: receipt lines classified by the field they hold (company/address/date/total/other): other domain, OCR
 *     noise, 5 heavily imbalanced classes, labels derived from the receipt's ground-truth fields;
 *   - banking77-oos: 10 intents merged into one `out_of_scope` class (a heterogeneous catch-all, as in CLINC150);
 *   - banking77-unseen: the same 10 intents removed from training and relabeled `out_of_scope` in test: labels the model can
 *     never predict, so every one is an error and the only good outcome is to escalate it (the threshold's bound does not
 *     cover this shift; the bench reports what happens);
 *   - banking77-fewshot: 20 training examples per intent.
 * Every split is deterministic (seeded); nothing here looks at predictions.
 */
import { readFileSync } from "node:fs";
import { readLabeledTexts } from "../src/data/labeled-texts.ts";
import { createRng, shuffleInPlace } from "../src/compact/random.ts";

export interface Example {
  text: string;
  label: string;
  /** Set where examples are not independent (the lines of one receipt): training keeps a group in one fold. */
  group?: string;
}

export interface BenchDataset {
  name: string;
  description: string;
  train: Example[];
  test: Example[];
}

const B77_TRAIN = "examples/banking77/train.csv";
const B77_TEST = "examples/banking77/test.csv";
const SROIE = "examples/sroie/train.jsonl";

// Each file is read and parsed once per process (a bench run builds several datasets from the same two files); callers
// get their own array.
const parsed = new Map<string, Example[]>();
const read = (file: string): Example[] => {
  let examples = parsed.get(file);
  if (examples === undefined) {
    examples = readLabeledTexts(file).examples.map(({ text, label }) => ({ text, label }));
    parsed.set(file, examples);
  }
  return [...examples];
};

export function banking77(): BenchDataset {
  return { name: "banking77", description: "BANKING77 train → test (77 intents)", train: read(B77_TRAIN), test: read(B77_TEST) };
}

/** The 10 intents held out by the OOS sets: a seeded draw from the sorted label list (no cherry-picking). */
export function heldOutIntents(): Set<string> {
  const labels = [...new Set(read(B77_TRAIN).map((e) => e.label))].sort();
  return new Set(shuffleInPlace(labels, createRng(77)).slice(0, 10));
}

export function banking77OutOfScope(): BenchDataset {
  const held = heldOutIntents();
  const relabel = (e: Example): Example => (held.has(e.label) ? { text: e.text, label: "out_of_scope" } : e);
  return {
    name: "banking77-oos",
    description: "BANKING77 with 10 intents merged into one out_of_scope class (68 classes)",
    train: read(B77_TRAIN).map(relabel),
    test: read(B77_TEST).map(relabel),
  };
}

export function banking77Unseen(): BenchDataset {
  const held = heldOutIntents();
  return {
    name: "banking77-unseen",
    description: "BANKING77 minus 10 intents in training; those intents' test texts labeled out_of_scope (never predictable)",
    train: read(B77_TRAIN).filter((e) => !held.has(e.label)),
    test: read(B77_TEST).map((e) => (held.has(e.label) ? { text: e.text, label: "out_of_scope" } : e)),
  };
}

export function banking77FewShot(perClass = 20): BenchDataset {
  const byLabel = new Map<string, Example[]>();
  for (const e of read(B77_TRAIN)) byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), e]);
  const rng = createRng(20);
  const train = [...byLabel.keys()].sort().flatMap((label) => shuffleInPlace([...(byLabel.get(label) ?? [])], rng).slice(0, perClass));
  return { name: `banking77-fewshot${perClass}`, description: `BANKING77 with ${perClass} training examples per intent`, train, test: read(B77_TEST) };
}

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Dice coefficient of character bigram sets. */
function dice(a: string, b: string): number {
  const grams = (s: string): Set<string> => new Set(Array.from({ length: Math.max(0, s.length - 1) }, (_, i) => s.slice(i, i + 2)));
  const ga = grams(a);
  const gb = grams(b);
  if (ga.size + gb.size === 0) return 0;
  let both = 0;
  for (const g of ga) if (gb.has(g)) both++;
  return (2 * both) / (ga.size + gb.size);
}

/** Which ground-truth field a receipt line holds, if any. OCR and labels differ in spacing and punctuation, so compare squashed. */
function lineLabel(line: string, fields: Record<string, string>): string {
  const l = squash(line);
  if (l.length < 3) return "other";
  const date = squash(fields.date ?? "");
  const total = squash(fields.total ?? "");
  if (date.length >= 6 && l.includes(date)) return "date";
  if (total.length >= 3 && (l === total || new RegExp(`(^|[^0-9.])${(fields.total ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^0-9])`).test(line))) return "total";
  const company = squash(fields.company ?? "");
  // A company name is (most of) one line, OCR errors included ("SDN BND" for "SDN BHD"); short fragments of it are often
  // also part of the address, so they count as address.
  if (company.length >= 4 && (dice(l, company) >= 0.8 || (company.includes(l) && l.length >= 0.6 * company.length))) return "company";
  const address = squash(fields.address ?? "");
  if (address.length >= 4 && l.length >= 4 && address.includes(l)) return "address";
  return "other";
}

export function sroieLines(): BenchDataset {
  const receipts = readFileSync(SROIE, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { id: string; text: string; fields: Record<string, string> });
  // Split by receipt, not by line: lines of one receipt (same shop, same layout) must not sit on both sides.
  const order = shuffleInPlace(receipts.map((_, i) => i), createRng(626));
  const testIds = new Set(order.slice(0, Math.round(receipts.length * 0.2)));
  const train: Example[] = [];
  const test: Example[] = [];
  receipts.forEach((r, i) => {
    for (const line of r.text.split("\n")) {
      if (line.trim() === "") continue;
      (testIds.has(i) ? test : train).push({ text: line, label: lineLabel(line, r.fields), group: r.id });
    }
  });
  return { name: "sroie-lines", description: "SROIE receipt lines → company/address/date/total/other (split by receipt)", train, test };
}

export const DATASETS: Record<string, () => BenchDataset> = {
  banking77,
  "sroie-lines": sroieLines,
  "banking77-oos": banking77OutOfScope,
  "banking77-unseen": banking77Unseen,
  "banking77-fewshot20": () => banking77FewShot(20),
};
