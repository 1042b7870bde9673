/**
 * Labeled text sets for the compact-classifier bench, built from the data in examples/. BANKING77 is the target; the others
 * exist to check that the same defaults hold on tasks they were not chosen on:
 *   - sroie-lines: receipt lines classified by the field they hold (company/address/date/total/other): other domain, OCR
 *     noise, 5 heavily imbalanced classes, labels derived from the receipt's ground-truth fields;
 *   - banking77-oos: 10 intents merged into one `out_of_scope` class (a heterogeneous catch-all, as in CLINC150);
 *   - banking77-unseen: the same 10 intents removed from training and relabeled `out_of_scope` in test: labels the model can
 *     never predict, so every one is an error and the only good outcome is to escalate it (the threshold's bound does not
 *     cover this shift; the bench reports what happens);
 *   - banking77-fewshot: 20 training examples per intent;
 * and two shifts built from BANKING77 (issue 9: the certificate assumes traffic exchangeable with the calibration split;
 * these measure what happens when it is not):
 *   - banking77-length: trained on the shorter half of the training texts (at most the median word count), tested on the
 *     longer test texts — a covariate shift with the same intents;
 *   - novel phrasings (`novelSubset`): the test texts whose nearest training text shares less than half of their words
 *     (word-set Jaccard < 0.5), scored by the model trained on all of train — new phrasings of known intents.
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
  /** Set when test is drawn unlike train on purpose (the certificate's assumption is broken): what the shift is. */
  shift?: string;
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
    shift: "10 intents never seen in training (their test texts can only be wrong)",
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

const wordsOf = (text: string): string[] => [...new Set(text.toLowerCase().match(/[a-z0-9']+/g) ?? [])];

export function banking77Length(): BenchDataset {
  const train = read(B77_TRAIN);
  const counts = train.map((e) => wordsOf(e.text).length).sort((a, b) => a - b);
  const median = counts[counts.length >> 1] ?? 0;
  return {
    name: "banking77-length",
    description: `BANKING77 train texts of at most ${median} distinct words (the median) → test texts of more`,
    shift: `trained and calibrated on texts of ≤ ${median} words, tested on longer ones`,
    train: train.filter((e) => wordsOf(e.text).length <= median),
    test: read(B77_TEST).filter((e) => wordsOf(e.text).length > median),
  };
}

/**
 * The test examples whose most similar training text (word-set Jaccard, over every label) is below `below`: phrasings the
 * training data has nothing close to. An inverted index keeps it to a second for BANKING77.
 */
export function novelSubset(train: readonly Example[], test: readonly Example[], below = 0.5): Example[] {
  const trainSets = train.map((e) => wordsOf(e.text));
  const index = new Map<string, number[]>();
  trainSets.forEach((words, i) => {
    for (const w of words) {
      const list = index.get(w);
      if (list === undefined) index.set(w, [i]);
      else list.push(i);
    }
  });
  const shared = new Int32Array(train.length);
  return test.filter((e) => {
    const words = wordsOf(e.text);
    const touched: number[] = [];
    for (const w of words) {
      for (const i of index.get(w) ?? []) {
        if (shared[i] === 0) touched.push(i);
        shared[i] = (shared[i] as number) + 1;
      }
    }
    let best = 0;
    for (const i of touched) {
      const both = shared[i] as number;
      best = Math.max(best, both / (words.length + (trainSets[i] as string[]).length - both));
      shared[i] = 0;
    }
    return best < below;
  });
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
  "banking77-length": banking77Length,
};
