/**
 * Prompt reduction for escalated fields: instead of the whole document, the LLM gets the lines the extractor ranked most
 * likely to hold the field, plus a window of neighbours (a label above a value, the next line of an address). The PoC
 * reports the input tokens this saves against sending the full document.
 */
import { countTokens, type TokenEncoding } from "../../meter/token-count.ts";
import { FrugalError } from "../../core/errors.ts";
import type { FieldPrediction } from "../types.ts";
import { documentLines } from "./document.ts";

export { documentLines };

export interface ReducedContext {
  /** Indices into the document's non-empty lines, ascending. */
  lineIndices: number[];
  lines: string[];
  /** The lines joined with "\n", runs of skipped lines marked by a "..." line. */
  text: string;
  /** True when nothing could be ranked and the whole document was kept. */
  fullDocument: boolean;
}

/**
 * The lines to send to the LLM for one field, or for several escalated together (the union of their lines). `window` adds
 * that many neighbours above and below each ranked line (default 1).
 */
export function reducedContext(text: string, predictions: FieldPrediction | readonly FieldPrediction[], options: { window?: number } = {}): ReducedContext {
  const window = options.window ?? 1;
  if (!(Number.isInteger(window) && window >= 0)) throw new FrugalError("input_invalid", `window must be a non-negative integer, got ${window}`);
  const lines = documentLines(text);
  const list = Array.isArray(predictions) ? predictions : [predictions as FieldPrediction];
  const byText = new Map<string, number[]>();
  lines.forEach((line, i) => byText.set(line, [...(byText.get(line) ?? []), i]));
  const keep = new Set<number>();
  for (const prediction of list) {
    for (const ranked of prediction.lines) {
      // A repeated line ("TOTAL" twice) maps to every place it appears: the extractor ranked the text, not one copy.
      for (const index of byText.get(ranked) ?? []) {
        for (let k = Math.max(0, index - window); k <= Math.min(lines.length - 1, index + window); k++) keep.add(k);
      }
    }
  }
  if (keep.size === 0) return { lineIndices: lines.map((_, i) => i), lines, text: lines.join("\n"), fullDocument: true };
  const lineIndices = [...keep].sort((a, b) => a - b);
  const parts: string[] = [];
  lineIndices.forEach((index, k) => {
    const previous = lineIndices[k - 1];
    if ((k === 0 && index > 0) || (previous !== undefined && index > previous + 1)) parts.push("...");
    parts.push(lines[index] ?? "");
  });
  if ((lineIndices[lineIndices.length - 1] ?? 0) < lines.length - 1) parts.push("...");
  return { lineIndices, lines: lineIndices.map((i) => lines[i] ?? ""), text: parts.join("\n"), fullDocument: false };
}

export interface TokenCounter {
  /** The tokenizer used: exact for models that use it, an estimate for others (the caller labels the provenance). */
  readonly encoding: string;
  count(text: string): number;
}

/** A tiktoken counter (default cl100k_base), over the meter's encoders (loaded once per process, on first use). */
export function createTokenCounter(options: { encoding?: TokenEncoding } = {}): TokenCounter {
  const encoding = options.encoding ?? "cl100k_base";
  return { encoding, count: (text) => countTokens(text, encoding) };
}

export interface TokenSavings {
  fullTokens: number;
  reducedTokens: number;
  savedTokens: number;
  /** savedTokens / fullTokens (0 for an empty document). */
  savedShare: number;
  encoding: string;
}

/** Input tokens of the reduced context(s) against the full document, with the same tokenizer. */
export function estimateTokensSaved(fullText: string, reduced: ReducedContext | string, counter: TokenCounter): TokenSavings {
  const fullTokens = counter.count(fullText);
  const reducedTokens = counter.count(typeof reduced === "string" ? reduced : reduced.text);
  const savedTokens = Math.max(0, fullTokens - reducedTokens);
  return { fullTokens, reducedTokens, savedTokens, savedShare: fullTokens === 0 ? 0 : savedTokens / fullTokens, encoding: counter.encoding };
}

export interface PromptReduction {
  /** Documents that sent a prompt (a document with no escalated field sends none). */
  documents: number;
  /** Tokens of those documents whole, each counted once, and of their reduced prompts (one per document). */
  fullTokens: number;
  reducedTokens: number;
  /** 1 − reduced / full (0 when nothing was sent). */
  savedShare: number;
  encoding: string;
}

/**
 * What prompt reduction saves over a set of documents, counted as the cascade sends them: ONE call per document asking for
 * all its escalated fields, with the union of their ranked lines (src/cascade/context.ts), against that document whole,
 * once. Counting the whole document once per field instead would multiply the baseline by the number of fields.
 */
export function promptReduction(
  documents: ReadonlyArray<{ text: string; escalated: readonly FieldPrediction[] }>,
  counter: TokenCounter,
  options: { window?: number } = {},
): PromptReduction {
  let sent = 0;
  let fullTokens = 0;
  let reducedTokens = 0;
  for (const doc of documents) {
    if (doc.escalated.length === 0) continue;
    const savings = estimateTokensSaved(doc.text, reducedContext(doc.text, doc.escalated, options), counter);
    sent++;
    fullTokens += savings.fullTokens;
    reducedTokens += savings.reducedTokens;
  }
  return { documents: sent, fullTokens, reducedTokens, savedShare: fullTokens === 0 ? 0 : 1 - reducedTokens / fullTokens, encoding: counter.encoding };
}
