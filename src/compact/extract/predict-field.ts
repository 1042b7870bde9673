/**
 * One field of one document: generate candidates, score them, softmax, pool the mass of candidates that spell the same
 * value, answer the heaviest value. The pooled mass is the raw confidence; the lines that carried the most mass are the
 * prompt-reduction hint. Training's held-out predictions go through this same function, so calibration and thresholds are
 * fitted on exactly what serving computes.
 */
import { generateCandidates, type FieldSpec } from "./candidates.ts";
import type { ExtractDocument } from "./document.ts";
import { buildFieldContext, emitFeatures, MEMORY_ROLE, memoryBucket } from "./features.ts";
import { ScoringSink } from "./feature-sink.ts";
import type { ValueMemory } from "./memory.ts";
import { canonicalKey } from "./normalize.ts";
import { softmaxInPlace } from "./ranker.ts";
import type { WeightTable } from "./weight-table.ts";

/** A lone candidate has no runner-up; its margin is capped so calibration sees a finite number. */
const MAX_MARGIN = 50;

export interface FieldModel {
  spec: FieldSpec;
  weights: WeightTable;
  /** Null when the field does not use a value memory. */
  memory: ValueMemory | null;
  /** Answer the memory's spelling of the chosen value (decided on held-out folds). */
  useMemorySpelling: boolean;
}

export interface RawFieldPrediction {
  value: string | null;
  /** Softmax mass pooled over the candidates spelling `value`. */
  raw: number;
  /**
   * log(mass of the answer) - log(mass of the runner-up value): what calibration maps to a confidence. Unlike the mass,
   * which saturates at 1.0 in float64 once the ranker is sure, the margin keeps ordering the sure answers.
   */
  margin: number;
  /** Whether the value memory knows the answer's canonical form, and how much its labels agreed on the spelling. */
  memoryKnown: boolean;
  spellingShare: number;
  /** Line indices (into doc.lines), best first. */
  lineRanking: number[];
  candidates: number;
}

export function predictField(doc: ExtractDocument, model: FieldModel, options: { topLines: number; sink?: ScoringSink }): RawFieldPrediction {
  const candidates = generateCandidates(doc, model.spec);
  if (candidates.length === 0) return { value: null, raw: 0, margin: -MAX_MARGIN, memoryKnown: false, spellingShare: 1, lineRanking: [], candidates: 0 };
  const context = buildFieldContext(doc, candidates);
  const sink = options.sink ?? new ScoringSink(model.weights);
  sink.beginDocument();
  const scores = new Float64Array(candidates.length);
  const memory = model.memory;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    if (c === undefined) continue;
    sink.reset();
    emitFeatures(doc, context, c, sink);
    sink.add(MEMORY_ROLE, memoryBucket(memory === null || memory.size === 0 ? 0 : memory.count(canonicalKey(c.value))));
    scores[i] = sink.score;
  }
  const rawScores = Float64Array.from(scores);
  let maxScore = -Infinity;
  for (const s of scores) if (s > maxScore) maxScore = s;
  const p = softmaxInPlace(scores);
  // Pool in log space relative to the top score, so that the margin survives when masses underflow to 0 or round to 1.
  const pooled = new Map<string, number>();
  let bestIndex = 0;
  for (let i = 0; i < candidates.length; i++) {
    const key = (candidates[i] as { key: string }).key;
    pooled.set(key, (pooled.get(key) ?? 0) + Math.exp((rawScores[i] as number) - maxScore));
    if ((p[i] as number) > (p[bestIndex] as number)) bestIndex = i;
  }
  let bestKey = "";
  let best = -1;
  let second = 0;
  let total = 0;
  for (const [key, m] of pooled) {
    total += m;
    if (m > best) {
      second = Math.max(second, best);
      bestKey = key;
      best = m;
    } else if (m > second) second = m;
  }
  const bestMass = best / total;
  const margin = second <= 0 ? MAX_MARGIN : Math.min(MAX_MARGIN, Math.log(best) - Math.log(second));
  // The spelling answered: the single best-scoring candidate of the winning value.
  let chosen = candidates[bestIndex];
  if (chosen === undefined || chosen.key !== bestKey) {
    let top = -1;
    for (let i = 0; i < candidates.length; i++) {
      if (candidates[i]?.key === bestKey && (p[i] as number) > top) {
        top = p[i] as number;
        chosen = candidates[i];
      }
    }
  }
  let value = chosen?.value ?? null;
  const canonical = value === null || memory === null ? null : canonicalKey(value);
  const agreement = canonical === null || memory === null ? { known: false, share: 1 } : memory.agreement(canonical);
  if (canonical !== null && memory !== null && model.useMemorySpelling) value = memory.spelling(canonical) ?? value;

  const lineMass = new Float64Array(doc.lines.length);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i] as { startLine: number; endLine: number };
    for (let l = c.startLine; l <= c.endLine; l++) lineMass[l] = (lineMass[l] as number) + (p[i] as number);
  }
  const lineRanking = [...lineMass.keys()]
    .filter((l) => (lineMass[l] as number) > 0)
    .sort((a, b) => (lineMass[b] as number) - (lineMass[a] as number) || a - b)
    .slice(0, options.topLines);
  return { value, raw: bestMass, margin, memoryKnown: agreement.known, spellingShare: agreement.share, lineRanking, candidates: candidates.length };
}
