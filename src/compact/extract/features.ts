/**
 * What the ranker sees of a candidate: where it is (line, distance from the end, relative position), what it is made of
 * (its tokens and their shapes, first and last token), what surrounds it (the tokens just before and after it on its line,
 * the words of the lines above and below: "TOTAL" one line up, "DATE:" on the left), its type-specific traits (date format,
 * amount magnitude rank, how often the amount repeats, currency printed or not) and whether the value memory has seen it.
 * Nothing in here names a keyword: which words matter, and how, is learned per field from the labels.
 */
import type { Candidate } from "./candidates.ts";
import { documentTextLineRank, documentYear, hasThreeLetters, valueShape } from "./document-facts.ts";
import type { ExtractDocument } from "./document.ts";
import { hashString } from "../hashing.ts";
import type { FeatureSink } from "./feature-sink.ts";

/** Feature roles. Stable numbers: they are part of the model file's meaning (bump FEATURE_VERSION when changing them). */
const R = {
  bias: 1, kind: 2, line: 3, lineFromEnd: 4, relPos: 5, height: 6, inToken: 7, firstToken: 8, lastToken: 9,
  nTokens: 10, left1: 11, right1: 12, leftBag: 13, rightBag: 14, prev1: 15, prev2: 16, prev3: 17, next1: 18, next2: 19,
  shape: 20, memory: 21, format: 22, occurrences: 23, order: 24, currency: 25, rank: 26, isMax: 27, rankOcc: 28,
  decimals: 29, wholeLine: 30, magnitude: 31, fromBottom: 32, lineWidth: 33, textLineRank: 34, charLength: 35,
  fullLine: 36, kindLine: 37, prev1Near: 38, next1Near: 39, formatLine: 40, arithmetic: 41, rankArithmetic: 42,
  labelAbove: 43, labelDistance: 44, currencyYear: 45,
} as const;

/**
 * Roles 64+: issuer crosses, one role per candidate trait so that each (header word, trait) pair gets its own weight:
 * HEADER_CURRENCY + t (t < 8) crosses the header's words with an amount's currency traits, HEADER_ROUNDING + r (r < 4) with
 * its rounding traits.
 */
const HEADER_CURRENCY = 64;
const HEADER_ROUNDING = 72;

/** 1: the first extractor. 2: adds the receipt year and the issuer crosses (models of both versions load and serve). */
export const FEATURE_VERSION = 2;

/**
 * The value-memory feature is emitted by the caller, not by emitFeatures: training computes every other feature once per
 * document and only this one per cross-validation fold (each fold has its own memory).
 */
export const MEMORY_ROLE = R.memory;

export function memoryBucket(count: number): number {
  return count === 0 ? 0 : count === 1 ? 1 : count <= 3 ? 2 : 3;
}

/** Per-document facts shared by all candidates of a field (computed once). */
export interface FieldContext {
  /** Amounts: distinct values, largest first. */
  amountRank: Map<number, number>;
  /** How many candidates share each key, by group (candidate.group: the distinct keys in order of first appearance). */
  groupSize: number[];
  /** Amounts: how many bare matches share each value. */
  amountCount: Map<number, number>;
  /** How many dates and bare amounts the document has (candidate.order numbers them), for "n-th from the bottom". */
  matchTotal: number;
  /** For each line, its rank among lines that carry letters (a company name is usually the first or second such line). */
  textLineRank: number[];
  /** For each line, the nearest line at or above it that reads like a label (3+ letters, not only a currency). */
  labelLine: Int32Array;
  /** Amounts: arithmetic relations with the document's other amounts (bit flags, see arithmeticFlags). */
  arithmetic: Map<number, number>;
  /** The feature version to emit (a model's own, so older model files keep scoring as they were trained). */
  version: number;
  /** Amounts, version 2: the receipt's year bucket (0: no date found). */
  yearBucket: number;
}

/**
 * How an amount relates to the others, in whole cents: it is the sum of two other amounts — subtotal plus tax, or plus a
 * rounding adjustment — (2), the difference of two others — tendered minus change, which the change shares — (1), or has
 * a neighbour within 2 cents, the rounding pair "26.82 → 26.80" (4). Documents print these relations; which of them marks
 * the field, and with which other features, is learned.
 */
function arithmeticFlags(values: readonly number[]): Map<number, number> {
  const cents = values.slice(0, 60).map((v) => Math.round(v * 100));
  const present = new Set(cents);
  const flags = new Map<number, number>();
  for (let i = 0; i < cents.length; i++) {
    const v = cents[i] as number;
    let f = 0;
    for (const a of cents) {
      if (a === v) continue;
      if (Math.abs(a - v) <= 2) f |= 4;
      const rest = v - a;
      if (rest > 0 && rest !== a && rest !== v && present.has(rest)) f |= 2;
      const other = a - v;
      if (other > 0 && other !== v && present.has(other)) f |= 1;
    }
    flags.set(values[i] as number, f);
  }
  return flags;
}

export function buildFieldContext(doc: ExtractDocument, candidates: readonly Candidate[], version: number = FEATURE_VERSION): FieldContext {
  const groupOf = new Map<string, number>();
  const groupSize: number[] = [];
  const amountCount = new Map<number, number>();
  let matchTotal = 0;
  for (const c of candidates) {
    let group = groupOf.get(c.key);
    if (group === undefined) {
      group = groupSize.length;
      groupOf.set(c.key, group);
      groupSize.push(0);
    }
    c.group = group;
    groupSize[group] = (groupSize[group] as number) + 1;
    if (c.amount !== null && !c.withCurrency) amountCount.set(c.amount.value, (amountCount.get(c.amount.value) ?? 0) + 1);
    c.order = (c.kind === "amount" && !c.withCurrency) || c.kind === "date" ? matchTotal++ : -1;
  }
  const distinct = [...amountCount.keys()].sort((a, b) => b - a);
  const amountRank = new Map(distinct.map((v, i) => [v, i]));
  const textLineRank = documentTextLineRank(doc);
  const arithmetic = distinct.length > 0 ? arithmeticFlags(distinct.filter((v) => v > 0)) : new Map<number, number>();
  // Only amounts use the label line; text fields skip the per-line regexes.
  const labelLine = new Int32Array(distinct.length > 0 ? doc.lines.length : 0);
  let label = -1;
  if (distinct.length > 0) {
    for (let i = 0; i < doc.lines.length; i++) {
      const line = doc.lines[i] as ExtractDocument["lines"][number];
      if (line.hasLetters && hasThreeLetters(line.text) && !(line.text.length <= 3 && /^(RM|MYR|USD|EUR|SGD)$/i.test(line.text))) label = i;
      labelLine[i] = label;
    }
  }
  let yearBucket = 0;
  if (version >= 2 && distinct.length > 0) {
    const year = documentYear(doc);
    yearBucket = year === null ? 0 : Math.min(63, year - 1989);
  }
  return { amountRank, groupSize, amountCount, matchTotal, textLineRank, arithmetic, labelLine, version, yearBucket };
}

function bucket(value: number, max: number): number {
  return value > max ? max : value;
}

function addLineBag(sink: FeatureSink, role: number, doc: ExtractDocument, index: number): void {
  const line = doc.lines[index];
  if (line === undefined) sink.add(role, 0);
  else sink.addBag(role, index, line.contextKeys);
}

/** Emits the features of `c`, all but the value-memory one (see MEMORY_ROLE). */
export function emitFeatures(doc: ExtractDocument, context: FieldContext, c: Candidate, sink: FeatureSink): void {
  const n = doc.lines.length;
  const line = doc.lines[c.startLine];
  if (line === undefined) return;
  const height = c.endLine - c.startLine + 1;
  const kindId = c.kind === "window" ? 1 : c.kind === "span" ? 2 : c.kind === "date" ? 3 : 4;
  sink.add(R.bias, 0);
  sink.add(R.kind, kindId * 16 + bucket(height, 8));
  sink.add(R.line, bucket(c.startLine, 40));
  sink.add(R.kindLine, kindId * 64 + bucket(c.startLine, 40));
  sink.add(R.lineFromEnd, bucket(n - 1 - c.endLine, 40));
  sink.add(R.relPos, n === 0 ? 0 : Math.floor((10 * c.startLine) / n));
  sink.add(R.textLineRank, bucket(context.textLineRank[c.startLine] ?? 0, 20));
  sink.add(R.height, bucket(height, 8));
  sink.add(R.charLength, Math.min(12, Math.round(Math.log2(1 + c.value.length))));

  // Tokens of the candidate: for windows every token of every line (one cached bag per line), for spans and typed
  // matches the covered tokens.
  let tokens = 0;
  if (c.kind === "window") {
    for (let li = c.startLine; li <= c.endLine; li++) {
      const l = doc.lines[li];
      if (l === undefined) continue;
      sink.addBag(R.inToken, li, l.tokenKeys);
      tokens += l.tokens.length;
    }
    const firstToken = line.tokens[0];
    if (firstToken !== undefined) sink.add(R.firstToken, firstToken.keyHash);
  } else {
    for (let t = c.tokenStart; t < c.tokenEnd; t++) {
      const token = line.tokens[t];
      if (token === undefined) continue;
      if (tokens === 0) sink.add(R.firstToken, token.keyHash);
      sink.add(R.inToken, token.keyHash);
      tokens++;
    }
  }
  sink.add(R.nTokens, bucket(tokens, 20));
  const lastLine = doc.lines[c.endLine];
  const lastToken = c.kind === "window" ? lastLine?.tokens[lastLine.tokens.length - 1] : line.tokens[c.tokenEnd - 1];
  if (lastToken !== undefined) sink.add(R.lastToken, lastToken.keyHash);

  // The same line around a span or typed match: "DATE:" on the left, a time or a registration number on the right.
  if (c.kind !== "window") {
    const fullLine = c.tokenStart === 0 && c.tokenEnd >= line.tokens.length;
    sink.add(R.fullLine, (fullLine ? 1 : 0) + (c.tokenStart === 0 ? 2 : 0) + (c.tokenEnd >= line.tokens.length ? 4 : 0));
    sink.add(R.left1, line.tokens[c.tokenStart - 1]?.keyHash ?? 1);
    sink.add(R.right1, line.tokens[c.tokenEnd]?.keyHash ?? 1);
    for (let t = 0; t < c.tokenStart; t++) sink.add(R.leftBag, line.tokens[t]?.keyHash ?? 0);
    for (let t = c.tokenEnd; t < line.tokens.length; t++) sink.add(R.rightBag, line.tokens[t]?.keyHash ?? 0);
    sink.add(R.lineWidth, bucket(line.tokens.length, 12));
  }

  // Neighbouring lines: the keyword is often printed on its own line above the value.
  addLineBag(sink, R.prev1, doc, c.startLine - 1);
  addLineBag(sink, R.prev2, doc, c.startLine - 2);
  addLineBag(sink, R.prev3, doc, c.startLine - 3);
  addLineBag(sink, R.next1, doc, c.endLine + 1);
  addLineBag(sink, R.next2, doc, c.endLine + 2);
  sink.add(R.prev1Near, doc.lines[c.startLine - 1]?.tokens[0]?.keyHash ?? 1);
  sink.add(R.next1Near, doc.lines[c.endLine + 1]?.tokens[0]?.keyHash ?? 1);

  sink.add(R.shape, (c.trimmed ? 16 : 0) + valueShape(c.value));
  sink.add(R.occurrences, bucket(context.groupSize[c.group] ?? 1, 6));

  const order = c.order;
  if (order >= 0) {
    sink.add(R.order, bucket(order, 6));
    sink.add(R.fromBottom, bucket(context.matchTotal - 1 - order, 10));
  }
  if (c.format !== null) {
    const format = hashString(c.format);
    sink.add(R.format, format);
    sink.add(R.formatLine, (format + Math.imul(bucket(c.startLine, 40), 0x9e3779b1)) >>> 0);
  }
  if (c.amount !== null) {
    const a = c.amount;
    const rank = context.amountRank.get(a.value) ?? 0;
    const occurrences = context.amountCount.get(a.value) ?? 1;
    // Currency printed? attached or spaced? carried by this candidate? Labels follow the vendor's print, vendor by vendor.
    sink.add(R.currency, (a.currency === "" ? 0 : 1) + (a.gap === "" ? 0 : 2) + (c.withCurrency ? 4 : 0) + (a.currency === "$" ? 8 : 0));
    sink.add(R.rank, bucket(rank, 10));
    sink.add(R.isMax, rank === 0 ? 1 : 0);
    sink.add(R.rankOcc, bucket(rank, 5) * 8 + bucket(occurrences, 6));
    sink.add(R.decimals, a.decimals + (a.value < 0 ? 4 : 0));
    sink.add(R.wholeLine, c.tokenStart === 0 && c.tokenEnd >= line.tokens.length ? 1 : 0);
    // In column layouts the label ("ROUNDED TOTAL (RM):") sits above a run of numbers: the nearest label line above.
    const labelAt = context.labelLine[c.startLine - 1] ?? -1;
    if (labelAt >= 0) {
      addLineBag(sink, R.labelAbove, doc, labelAt);
      sink.add(R.labelDistance, bucket(c.startLine - labelAt, 8));
    }
    const arithmetic = context.arithmetic.get(a.value) ?? 0;
    sink.add(R.arithmetic, arithmetic);
    sink.add(R.rankArithmetic, bucket(rank, 4) * 16 + arithmetic);
    sink.add(R.magnitude, a.value <= 0 ? 0 : Math.max(1, Math.min(8, Math.floor(Math.log10(a.value)) + 3)));
    if (context.version >= 2) emitIssuerFeatures(doc, context, c, a, arithmetic, sink);
  }
}

/**
 * Version 2. Whether a label keeps the printed currency ("RM 29.70" or "29.70"), or answers the rounded or the unrounded
 * total ("26.80" or "26.82"), is a convention of the issuer and of the annotation batch, not of the print: on SROIE's
 * train split, totals printed "RM33.90" keep the prefix in 44 of 48 labels, "RM 33.90" drop it in 2017-2018 (33 of 40)
 * and keep it in 2016 (6 of 6). These features let the ranker learn such conventions from the labels: the candidate's
 * currency traits crossed with the receipt year and with each header word (the issuer's identity, hashed), and its
 * rounding traits crossed with the header words. Header bags are cached per document by the scoring sink.
 * Cross-validation inside the train split (6 seeds): total 0.939 without these, 0.960 with them; each of the three
 * helps, the rounding cross most. A header x year x currency cross did not help (0.955) and was left out.
 */
function emitIssuerFeatures(doc: ExtractDocument, context: FieldContext, c: Candidate, a: NonNullable<Candidate["amount"]>, arithmetic: number, sink: FeatureSink): void {
  const trait = (c.withCurrency ? 1 : 0) | (a.currency === "" ? 0 : 2) | (a.gap === "" ? 0 : 4);
  sink.add(R.currencyYear, trait * 64 + context.yearBucket);
  sink.addBag(HEADER_CURRENCY + trait, 0, doc.headerKeys);
  const rounded = Math.round(Math.abs(a.value) * 100) % 5 === 0 ? 1 : 0;
  sink.addBag(HEADER_ROUNDING + rounded + (arithmetic & 4 ? 2 : 0), 0, doc.headerKeys);
}
