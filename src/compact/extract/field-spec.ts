/**
 * Infers how to look for each field from its training values, instead of hard-coding SROIE: a field whose values are dates
 * gets the date patterns, amounts get the amount patterns, anything else gets line windows and in-line spans, sized to what
 * the labels actually need (the 99th percentile of the window height, span length and line position of the gold values).
 * The same code then serves invoice numbers, IBANs or vendor names of a dataset we have never seen.
 */
import { generateCandidates, type FieldSpec } from "./candidates.ts";
import type { ExtractDocument } from "./document.ts";
import { normalizeForMatch } from "./normalize.ts";
import { isAmount, isDate } from "./patterns.ts";

export interface LabeledExample {
  doc: ExtractDocument;
  /** The gold value of this field, or null when the document lacks it. */
  gold: string | null;
}

export interface FieldSpecReport {
  spec: FieldSpec;
  /** Share of labeled documents whose gold value is among the candidates (the extractor's ceiling). */
  recall: number;
  labeled: number;
}

const TYPE_SHARE = 0.7;
const GENEROUS: Omit<FieldSpec, "name" | "type"> = { maxWindow: 6, lineSpans: true, maxSpanTokens: 16, lineLimit: 80 };

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? 0;
}

export function candidateRecall(examples: readonly LabeledExample[], spec: FieldSpec): number {
  let labeled = 0;
  let hit = 0;
  for (const example of examples) {
    if (example.gold === null) continue;
    labeled++;
    const gold = normalizeForMatch(example.gold);
    if (generateCandidates(example.doc, spec).some((c) => c.key === gold)) hit++;
  }
  return labeled === 0 ? 0 : hit / labeled;
}

export function inferFieldSpec(name: string, examples: readonly LabeledExample[]): FieldSpecReport {
  const golds = examples.map((e) => e.gold).filter((g): g is string => g !== null);
  const share = (test: (value: string) => boolean): number => (golds.length === 0 ? 0 : golds.filter(test).length / golds.length);
  if (share(isDate) >= TYPE_SHARE || share(isAmount) >= TYPE_SHARE) {
    const type = share(isDate) >= share(isAmount) ? "date" : "amount";
    const spec: FieldSpec = { name, type, ...GENEROUS };
    return { spec, recall: candidateRecall(examples, spec), labeled: golds.length };
  }
  const windowHeights: number[] = [];
  const spanLengths: number[] = [];
  const startLines: number[] = [];
  let spanOnly = 0;
  for (const example of examples) {
    if (example.gold === null) continue;
    const gold = normalizeForMatch(example.gold);
    const hits = generateCandidates(example.doc, { name, type: "text", ...GENEROUS }).filter((c) => c.key === gold);
    const window = hits.find((c) => c.kind === "window");
    const span = hits.find((c) => c.kind === "span");
    if (window !== undefined) {
      windowHeights.push(window.endLine - window.startLine + 1);
      startLines.push(window.startLine);
    } else if (span !== undefined) {
      spanOnly++;
      spanLengths.push(span.tokenEnd - span.tokenStart);
      startLines.push(span.startLine);
    }
  }
  const spec: FieldSpec = {
    name,
    type: "text",
    maxWindow: Math.max(1, Math.min(GENEROUS.maxWindow, quantile(windowHeights, 0.99))),
    // Spans multiply the candidates: offer them only when at least 1% of the labels need them.
    lineSpans: golds.length > 0 && spanOnly / golds.length >= 0.01,
    maxSpanTokens: Math.max(4, Math.min(GENEROUS.maxSpanTokens, quantile(spanLengths, 0.99) + 1)),
    lineLimit: Math.max(5, Math.min(GENEROUS.lineLimit, quantile(startLines, 0.99) + 3)),
  };
  return { spec, recall: candidateRecall(examples, spec), labeled: golds.length };
}
