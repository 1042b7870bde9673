/**
 * Builds the threshold sweep's input from a chain pipeline's records (a compact tier followed by an LLM tier): each
 * request's compact confidence and correctness, and what the LLM would have answered and cost had it been asked. The LLM's
 * answer is known when this pipeline escalated the request, or when another pipeline asked the same LLM tier the same item
 * (the `dense` pipeline asks it everything); its cost for a request it never saw is, for classification, that other
 * pipeline's cost for the same item (same prompt), otherwise the mean of the LLM calls this pipeline made (an estimate,
 * flagged). A cache hit replays the units of a request of the same item that reached the compact tier; a request routed
 * past the compact tier is fixed, and an answer a modeled tier gave it is unknown, not unscored.
 *
 * With `measure: "energy"` the same replay counts joules instead of dollars (the sweep's "cost" is then energy per
 * request), so the energy at any threshold comes from the one replay rule the cost uses.
 */
import { valuesMatch } from "../compact/extract/normalize.ts";
import type { SweepRequest, SweepUnit } from "../cascade/index.ts";
import type { TaskOutput } from "../core/types.ts";
import type { Gold } from "./dataset.ts";
import type { RequestRecord, StepRecord } from "./records.ts";
import { MODELED_CONTENT } from "./score.ts";

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

/**
 * A fixed request's answer counted in sweep units (the request for classify, each field for extract), so that it weighs
 * like the other units; an answer a modeled tier gave is unknown (it makes the chain's quality unknown), not unscored.
 */
function fixedUnits(record: RequestRecord, gold: Gold | null, fields: readonly string[]): NonNullable<SweepRequest["fixed"]> {
  if (gold?.kind === "extract" && record.field_correct !== undefined) {
    const unknownFields = new Set(record.unknown_fields ?? []);
    const counts = { correct: 0, scored: 0, unknown: 0 };
    for (const field of fields) {
      const verdict = record.field_correct[field];
      const hasGold = gold.fields[field] !== null && gold.fields[field] !== undefined;
      if (verdict === true || verdict === false) {
        counts.scored++;
        if (verdict) counts.correct++;
      } else if (hasGold && unknownFields.has(field)) counts.unknown++;
    }
    return counts;
  }
  if (record.correct !== null) return { correct: record.correct ? 1 : 0, scored: 1, unknown: 0 };
  return { correct: 0, scored: 0, unknown: gold !== null && record.unscored === MODELED_CONTENT ? 1 : 0 };
}

export interface SweepInputOptions {
  shape: ChainShape;
  records: readonly RequestRecord[];
  /** Records of every pipeline, to find the same LLM tier's answer for an item this pipeline did not escalate. */
  allRecords: readonly RequestRecord[];
  goldOf: (itemId: string) => Gold | null;
  fields: readonly string[];
  /** What the sweep's cost counts: USD (default) or joules. */
  measure?: "cost" | "energy";
}

export function sweepInput(options: SweepInputOptions): SweepRequest[] {
  const { shape, records } = options;
  const energy = options.measure === "energy";
  const stepValue = (step: StepRecord | undefined): number | null | undefined => (energy ? step?.energy_j : step?.cost_usd);
  const recordValue = (record: RequestRecord): number => (energy ? record.energy_j : record.cost_usd) ?? 0;
  const otherLlm = new Map<string, StepRecord>();
  for (const r of options.allRecords) {
    const step = r.steps.find((s) => s.tier === shape.llmTier && s.outcome === "accepted" && s.fields === undefined);
    if (step !== undefined && !otherLlm.has(r.item)) otherLlm.set(r.item, step);
  }
  const ownCosts = records.map((r) => stepValue(llmStepOf(r, shape.llmTier))).filter((c): c is number => typeof c === "number");
  const meanLlmCost = ownCosts.length === 0 ? null : ownCosts.reduce((a, b) => a + b, 0) / ownCosts.length;

  const unitsByItem = new Map<string, SweepUnit[]>();
  const requests = records.map((record): SweepRequest | RequestRecord => {
    const gold = options.goldOf(record.item);
    const compact = record.steps.find((s) => s.tier === shape.compactTier && s.output !== undefined);
    // Cache hits are resolved below, once every request they may replay has its units; the rest are fixed here.
    if (compact === undefined) return record.cached_from !== undefined ? record : fixedRequest(record, gold, options.fields, recordValue(record));
    const own = llmStepOf(record, shape.llmTier);
    const other = otherLlm.get(record.item);
    const baseCostUsd = record.steps.filter((s) => s.tier !== shape.llmTier).reduce((a, s) => a + (stepValue(s) ?? 0), 0);
    const ownValue = stepValue(own);
    const otherValue = stepValue(other);
    let llmCostUsd: number;
    let llmCostEstimated = false;
    if (typeof ownValue === "number") llmCostUsd = ownValue;
    else if (gold?.kind !== "extract" && typeof otherValue === "number") llmCostUsd = otherValue;
    else {
      llmCostUsd = meanLlmCost ?? (typeof otherValue === "number" ? otherValue : 0);
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
    if (!unitsByItem.has(record.item)) unitsByItem.set(record.item, units);
    return { baseCostUsd, llmCostUsd, llmCostEstimated, units };
  });
  return requests.map((entry): SweepRequest => {
    if (!("steps" in entry)) return entry;
    // A cache hit answers at each threshold what the request it was cached from answered then (same item, same
    // deterministic compact model, same LLM answer): replayed, at the lookup's cost. Without one to replay, it is fixed.
    const replayed = unitsByItem.get(entry.item);
    if (replayed === undefined) return fixedRequest(entry, options.goldOf(entry.item), options.fields, recordValue(entry));
    return { baseCostUsd: recordValue(entry), llmCostUsd: 0, llmCostEstimated: false, cached: true, units: replayed };
  });
}

function fixedRequest(record: RequestRecord, gold: Gold | null, fields: readonly string[], value: number): SweepRequest {
  return { baseCostUsd: value, llmCostUsd: 0, llmCostEstimated: false, fixed: fixedUnits(record, gold, fields), units: [] };
}
