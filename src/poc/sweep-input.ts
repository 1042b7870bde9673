/**
 * Builds the threshold sweep's input from a chain pipeline's records (a compact tier followed by an LLM tier): each
 * request's compact confidence and correctness, and what the LLM would have answered and cost had it been asked. The LLM's
 * answer is known when this pipeline escalated the request, or when another pipeline asked the same LLM tier the same item
 * (the `dense` pipeline asks it everything); its cost for a request it never saw is, for classification, that other
 * pipeline's cost for the same item (same prompt), otherwise the mean of the LLM calls this pipeline made (an estimate,
 * flagged).
 */
import { valuesMatch } from "../compact/extract/normalize.ts";
import type { SweepRequest, SweepUnit } from "../cascade/index.ts";
import type { TaskOutput } from "../core/types.ts";
import type { Gold } from "./dataset.ts";
import type { RequestRecord, StepRecord } from "./records.ts";

export interface ChainShape {
  compactTier: string;
  llmTier: string;
}

/** The first compact tier followed (later) by an LLM tier, if the pipeline has one. */
export function chainShape(tiers: ReadonlyArray<{ name: string; kind: string }>): ChainShape | undefined {
  const compactAt = tiers.findIndex((t) => t.kind === "compact");
  if (compactAt < 0) return undefined;
  const llm = tiers.slice(compactAt + 1).find((t) => t.kind === "llm");
  return llm === undefined ? undefined : { compactTier: (tiers[compactAt] as { name: string }).name, llmTier: llm.name };
}

function llmStepOf(record: RequestRecord, tier: string): StepRecord | undefined {
  return record.steps.find((s) => s.tier === tier && (s.outcome === "accepted" || s.outcome === "error" || s.outcome === "escalated" || s.outcome === "partial"));
}

/** What a step's answer says about a unit: correct, wrong, or unknown (modeled / no content). */
function judge(step: StepRecord | undefined, gold: Gold, field?: string): { known: boolean; correct: boolean | null } {
  if (step === undefined || step.modeled === true) return { known: false, correct: null };
  if (step.outcome === "error") return { known: true, correct: false };
  return { known: true, correct: outputCorrect(step.output ?? null, gold, field) };
}

function outputCorrect(output: TaskOutput | null, gold: Gold, field?: string): boolean | null {
  if (output === null) return null;
  if (gold.kind === "classify") return output.kind === "classify" ? output.label === gold.label : false;
  const expected = field === undefined ? undefined : gold.fields[field];
  if (expected === null || expected === undefined) return null;
  return output.kind === "extract" ? valuesMatch(output.fields[field as string] ?? null, expected) : false;
}

export interface SweepInputOptions {
  shape: ChainShape;
  records: readonly RequestRecord[];
  /** Records of every pipeline, to find the same LLM tier's answer for an item this pipeline did not escalate. */
  allRecords: readonly RequestRecord[];
  goldOf: (itemId: string) => Gold | null;
  fields: readonly string[];
}

export function sweepInput(options: SweepInputOptions): SweepRequest[] {
  const { shape, records } = options;
  const otherLlm = new Map<string, StepRecord>();
  for (const r of options.allRecords) {
    const step = r.steps.find((s) => s.tier === shape.llmTier && s.outcome === "accepted" && s.fields === undefined);
    if (step !== undefined && !otherLlm.has(r.item)) otherLlm.set(r.item, step);
  }
  const ownCosts = records.map((r) => llmStepOf(r, shape.llmTier)?.cost_usd).filter((c): c is number => typeof c === "number");
  const meanLlmCost = ownCosts.length === 0 ? null : ownCosts.reduce((a, b) => a + b, 0) / ownCosts.length;

  return records.map((record): SweepRequest => {
    const gold = options.goldOf(record.item);
    const compact = record.steps.find((s) => s.tier === shape.compactTier && s.output !== undefined);
    const cost = record.cost_usd ?? 0;
    if (compact === undefined) {
      // A cache hit, a rule that skipped the compact tier, or a compact failure: the answer does not depend on the threshold.
      return { baseCostUsd: cost, llmCostUsd: 0, llmCostEstimated: false, fixed: { correct: record.correct === true ? 1 : 0, scored: record.correct === null ? 0 : 1 }, units: [] };
    }
    const own = llmStepOf(record, shape.llmTier);
    const other = otherLlm.get(record.item);
    const baseCostUsd = record.steps.filter((s) => s.tier !== shape.llmTier).reduce((a, s) => a + (s.cost_usd ?? 0), 0);
    let llmCostUsd: number;
    let llmCostEstimated = false;
    if (typeof own?.cost_usd === "number") llmCostUsd = own.cost_usd;
    else if (gold?.kind !== "extract" && typeof other?.cost_usd === "number") llmCostUsd = other.cost_usd;
    else {
      llmCostUsd = meanLlmCost ?? (typeof other?.cost_usd === "number" ? other.cost_usd : 0);
      llmCostEstimated = true;
    }
    const units: SweepUnit[] = [];
    if (gold === null || gold.kind === "classify") {
      const compactCorrect = gold === null ? null : outputCorrect(compact.output ?? null, gold);
      const llm = gold === null ? { known: true, correct: null } : judge(own ?? other, gold);
      units.push({ confidence: compact.confidence ?? 0, compactCorrect, llmCorrect: llm.correct, llmKnown: llm.known });
    } else {
      for (const field of options.fields) {
        const askedOwn = own !== undefined && (own.fields === undefined || own.fields.includes(field)) ? own : undefined;
        const llm = judge(askedOwn ?? other, gold, field);
        units.push({
          confidence: compact.field_confidence?.[field] ?? compact.confidence ?? 0,
          compactCorrect: outputCorrect(compact.output ?? null, gold, field),
          llmCorrect: llm.correct,
          llmKnown: llm.known,
        });
      }
    }
    return { baseCostUsd, llmCostUsd, llmCostEstimated, units };
  });
}
