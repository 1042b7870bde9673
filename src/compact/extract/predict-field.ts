/**
 * One field of one document: generate candidates, score them, softmax, pool the mass of candidates that spell the same
 * value, answer the heaviest value. The pooled mass is the raw confidence; the lines that carried the most mass are the
 * prompt-reduction hint. Training's held-out predictions go through this same function, so calibration and thresholds are
 * fitted on exactly what serving computes.
 */
import { generateCandidates, type Candidate, type FieldSpec } from "./candidates.ts";
import type { ExtractDocument } from "./document.ts";
import { buildFieldContext, emitFeatures, MEMORY_ROLE, memoryBucket } from "./features.ts";
import { ScoringSink } from "./feature-sink.ts";
import type { ValueMemory } from "./memory.ts";
import { canonicalKey } from "./normalize.ts";
import type { WeightTable } from "./weight-table.ts";

/** A lone candidate has no runner-up; its margin is capped so calibration sees a finite number. */
const MAX_MARGIN = 50;

export interface FieldModel {
  spec: FieldSpec;
  weights: WeightTable;
  /** Null when the field does not use a value memory. */
  memory: ValueMemory | null;
  /** Answer the memory's spelling of a value it knows exactly (decided on held-out folds). */
  useMemorySpelling: boolean;
  /** The feature version the weights were trained with (features.ts): serving emits exactly those features. */
  featureVersion: number;
  /**
   * Snap an answer the memory does not know exactly to the remembered value within this share of character edits, and
   * answer that value's spelling (0: never; decided on held-out folds). OCR damages names and addresses ("KWANSAN",
   * "ENTYERPRISE") that the labels spell right.
   */
  memoryEditRate: number;
}

export interface MemoryPolicy {
  respell: boolean;
  editRate: number;
}

export interface MemoryAnswer {
  value: string;
  /** The memory knows the answer (exactly, or within the edit budget) ... */
  known: boolean;
  /** ... and this share of its labels used its most common spelling. */
  share: number;
  /** The answer is the memory's spelling rather than the printed one. */
  answersMemorySpelling: boolean;
}

/** The answer after the value memory's say under a field's policy; serving and training's held-out folds share it. */
export function memoryAnswer(memory: ValueMemory, value: string, policy: MemoryPolicy): MemoryAnswer {
  const key = canonicalKey(value);
  if (memory.has(key)) {
    const { share } = memory.agreement(key);
    return { value: policy.respell ? (memory.spelling(key) ?? value) : value, known: true, share, answersMemorySpelling: policy.respell };
  }
  const near = policy.editRate > 0 ? memory.nearest(key, policy.editRate) : null;
  if (near === null) return { value, known: false, share: 1, answersMemorySpelling: false };
  return { value: memory.spelling(near) ?? value, known: true, share: memory.agreement(near).share, answersMemorySpelling: true };
}

export interface RawFieldPrediction {
  value: string | null;
  /**
   * log(mass of the answer) - log(mass of the runner-up value): what calibration maps to a confidence. Unlike the mass,
   * which saturates at 1.0 in float64 once the ranker is sure, the margin keeps ordering the sure answers.
   */
  margin: number;
  /** Whether the value memory knows the answer's canonical form, and how much its labels agreed on the spelling. */
  memoryKnown: boolean;
  spellingShare: number;
  answersMemorySpelling: boolean;
  /** Line indices (into doc.lines), best first. */
  lineRanking: number[];
}

export function predictField(doc: ExtractDocument, model: FieldModel, options: { topLines: number; sink?: ScoringSink }): RawFieldPrediction {
  const candidates = generateCandidates(doc, model.spec);
  if (candidates.length === 0) return { value: null, margin: -MAX_MARGIN, memoryKnown: false, spellingShare: 1, answersMemorySpelling: false, lineRanking: [] };
  const context = buildFieldContext(doc, candidates, model.featureVersion);
  const sink = options.sink ?? new ScoringSink(model.weights);
  sink.beginDocument();
  const scores = new Float64Array(candidates.length);
  const memory = model.memory;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    if (c === undefined) continue;
    sink.reset();
    emitFeatures(doc, context, c, sink);
    sink.add(MEMORY_ROLE, memoryBucket(memory === null || memory.size === 0 ? 0 : memory.countValue(c.value)));
    scores[i] = sink.score;
  }
  let maxScore = -Infinity;
  for (let i = 0; i < scores.length; i++) if ((scores[i] as number) > maxScore) maxScore = scores[i] as number;
  // Softmax mass relative to the top score, pooled per value (candidate.group, set by buildFieldContext) in log space:
  // the margin survives when masses underflow to 0 or round to 1. One typed array per field, no per-candidate garbage.
  const groups = context.groupSize.length;
  const pooled = new Float64Array(groups + candidates.length);
  let sum = 0;
  let bestIndex = 0;
  for (let i = 0; i < candidates.length; i++) {
    const e = Math.exp((scores[i] as number) - maxScore);
    pooled[groups + i] = e;
    sum += e;
    const group = (candidates[i] as Candidate).group;
    pooled[group] = (pooled[group] as number) + e;
    if ((scores[i] as number) > (scores[bestIndex] as number)) bestIndex = i;
  }
  let bestGroup = 0;
  let best = -1;
  let second = 0;
  for (let g = 0; g < groups; g++) {
    const m = pooled[g] as number;
    if (m > best) {
      second = Math.max(second, best);
      bestGroup = g;
      best = m;
    } else if (m > second) second = m;
  }
  const margin = second <= 0 ? MAX_MARGIN : Math.min(MAX_MARGIN, Math.log(best) - Math.log(second));
  // The spelling answered: the single best-scoring candidate of the winning value.
  let chosen = candidates[bestIndex];
  if (chosen === undefined || chosen.group !== bestGroup) {
    let top = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      if (candidates[i]?.group === bestGroup && (scores[i] as number) > top) {
        top = scores[i] as number;
        chosen = candidates[i];
      }
    }
  }
  let value = chosen?.value ?? null;
  let memoryKnown = false;
  let spellingShare = 1;
  let answersMemorySpelling = false;
  if (value !== null && memory !== null) {
    const said = memoryAnswer(memory, value, { respell: model.useMemorySpelling, editRate: model.memoryEditRate });
    ({ value, known: memoryKnown, share: spellingShare, answersMemorySpelling } = said);
  }

  return { value, margin, memoryKnown, spellingShare, answersMemorySpelling, lineRanking: rankLines(doc, candidates, pooled, groups, sum, options.topLines) };
}

/** The `top` lines that carry the most softmax mass (ties: the earlier line), best first. */
function rankLines(doc: ExtractDocument, candidates: readonly Candidate[], mass: Float64Array, offset: number, sum: number, top: number): number[] {
  const lineMass = new Float64Array(doc.lines.length);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i] as Candidate;
    const p = (mass[offset + i] as number) / sum;
    for (let l = c.startLine; l <= c.endLine; l++) lineMass[l] = (lineMass[l] as number) + p;
  }
  const ranking: number[] = [];
  for (let k = 0; k < top; k++) {
    let bestLine = -1;
    for (let l = 0; l < lineMass.length; l++) if ((lineMass[l] as number) > 0 && (bestLine < 0 || (lineMass[l] as number) > (lineMass[bestLine] as number))) bestLine = l;
    if (bestLine < 0) break;
    ranking.push(bestLine);
    lineMass[bestLine] = 0;
  }
  return ranking;
}
