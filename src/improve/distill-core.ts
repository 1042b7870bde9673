/**
 * Distillation's core: from labeled rows (a human seed, LLM answers taken from production, gold feedback) to a candidate
 * compact classifier, certified and compared with the served one on the same rows. The CLI (`frugal distill`), the
 * shadow/promote machinery and the loop benchmark all call `distillCandidate`; nothing here reads a ledger or a file.
 *
 * Rows: one per text (gold > seed > LLM, distill-split.ts), split by a seeded hash of the text into training, calibration
 * and held-out rows — stable across runs, so a text the served model trained on last week is never in this week's
 * calibration or held-out rows (when both were distilled with the same seed and shares).
 *
 * The candidate trains as `frugal train classify` does (train-classifier.ts) on the training rows only; the trainer's own
 * validation split still fits the temperature, but its calibration split is shrunk to the minimum and unused: the threshold
 * is certified (Learn-then-Test, as training does, two starts at δ/2) on the hash-split calibration rows, which nothing
 * trained on, with the starts placed on the held-out rows. Where those rows carry LLM labels, the certificate bounds disagreement with the LLM, not
 * the error against the truth; the report says which labels it was tested against.
 */
import { createLinearClassifier, type LinearClassifier, type LinearClassifierParts } from "../compact/linear-classifier.ts";
import { trainClassifierParallel } from "../compact/train-parallel.ts";
import type { TrainClassifierConfigInput } from "../compact/train-options.ts";
import type { ThresholdSelection } from "../compact/threshold.ts";
import type { CompactClassifier } from "../compact/types.ts";
import { FrugalError } from "../core/errors.ts";
import { certifyOn, evaluateBySource, scoreRows, type CertificateReport, type SourceEvaluation } from "./distill-evaluate.ts";
import { countBySource, mergeRows, splitRows, type BySource, type LabeledText, type LabelSource, type SplitShares } from "./distill-split.ts";

export type { LabeledText, LabelSource, BySource } from "./distill-split.ts";
export type { CertificateReport, SourceEvaluation } from "./distill-evaluate.ts";

/** Defaults of the hash split: 10% of texts held out for the comparison, 15% for the certificate (as training's split). */
export const DEFAULT_SHARES: SplitShares = { heldOut: 0.1, calibration: 0.15 };
export const DEFAULT_DISTILL_SEED = 20240917;
/** The trainer's own calibration split, unused here (its schema needs one): as small as it allows to waste little. */
const UNUSED_TRAINER_CALIBRATION = 0.005;

/**
 * When a candidate should replace the served model, from this report alone: it certified a threshold, and it keeps a larger
 * share of the same calibration rows than the served model, recertified on those rows at the same ε. Helper code that
 * promotes automatically (shadow traffic) applies the same comparison to its own rows.
 */
export const PROMOTION_RULE =
  "promote when the candidate certifies a threshold and its certified coverage at ε is higher than the served model's, both certified by the same procedure on the same calibration rows (starts placed on the same held-out rows)";

export interface DistillInput {
  taskName: string;
  /** The task's label set, in its fixed order; rows with other labels are dropped and counted. */
  labels: string[];
  seed: LabeledText[];
  distilled: LabeledText[];
  gold: LabeledText[];
  /** The served model: evaluated on the same held-out rows and recertified on the same calibration rows. */
  current?: CompactClassifier;
  /** ε: the largest kept-answer error (disagreement with the label) to certify. */
  epsilon: number;
  /**
   * Seeds the hash split and the training (default `DEFAULT_DISTILL_SEED`). Named apart from `seed` (the labeled seed
   * rows): one interface cannot have two members called `seed`.
   */
  randomSeed?: number;
  trainOptions?: Partial<TrainClassifierConfigInput>;
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
  /** Shares of texts held out for the comparison and for the certificate (default `DEFAULT_SHARES`). */
  shares?: Partial<SplitShares>;
  /** 1 − δ of the certificate (default 0.95). */
  confidenceLevel?: number;
  /** Worker threads for training (default: the machine's parallelism). */
  threads?: number;
}

export interface ModelComparison {
  /** The served threshold, and on the held-out rows, per label source. */
  heldOut: Record<LabelSource, SourceEvaluation>;
}

export interface DistillReport {
  task: string;
  epsilon: number;
  confidenceLevel: number;
  seed: number;
  shares: SplitShares;
  /** Which rows are which: the rule that put each text in its split (the same for every run with this seed and shares). */
  splitRule: string;
  sizes: {
    /** Rows given, by source. */
    input: BySource;
    /** Dropped: same text as a row of higher precedence (gold > seed > LLM), or a label outside the task's set. */
    droppedDuplicate: BySource;
    droppedUnknownLabel: BySource;
    train: BySource;
    calibration: BySource;
    heldOut: BySource;
  };
  /** Task labels no training row has: the candidate can never answer them. */
  labelsMissingFromTraining: string[];
  candidate: ModelComparison & { certificate: CertificateReport; trainSeconds: number };
  /**
   * The served model on the same rows. Its certificate here is recomputed on the candidate's calibration rows: valid only
   * if it never trained on them (true when it was distilled with the same seed and shares).
   */
  current: (ModelComparison & { certificate: CertificateReport }) | null;
  promotion: { rule: string; candidateCoverage: number; currentCoverage: number | null; candidateBetter: boolean };
  notes: string[];
}

export interface DistillResult {
  /** The int8 model that would serve, its threshold the one certified here. */
  candidate: LinearClassifier;
  /** What a model file holds (`classifierToContents(parts)`). */
  parts: LinearClassifierParts;
  report: DistillReport;
}

function checkInput(input: DistillInput): void {
  if (!(input.epsilon > 0 && input.epsilon < 1)) throw new FrugalError("input_invalid", `distill ${input.taskName}: epsilon must be in (0, 1), got ${input.epsilon}`);
  if (input.labels.length < 2) throw new FrugalError("input_invalid", `distill ${input.taskName}: the task needs at least two labels`);
}

/** The served parts with the certificate made here, and the distillation recorded in the model's header. */
function certifiedParts(parts: LinearClassifierParts, selection: ThresholdSelection, certificate: CertificateReport, extra: Record<string, unknown>): LinearClassifierParts {
  const meta = parts.meta;
  return {
    ...parts,
    threshold: selection.threshold,
    meta: {
      ...meta,
      threshold: { ...selection, value: certificate.threshold },
      training: { ...meta.training, splits: { ...meta.training.splits, calibration: certificate.rows } },
      distill: { ...extra, certificate },
    },
  };
}

export async function distillCandidate(input: DistillInput): Promise<DistillResult> {
  checkInput(input);
  const seed = input.randomSeed ?? DEFAULT_DISTILL_SEED;
  const shares: SplitShares = { ...DEFAULT_SHARES, ...input.shares };
  const confidenceLevel = input.confidenceLevel ?? 0.95;
  const progress = input.onProgress ?? (() => undefined);
  progress({ stage: "split", done: 0, total: 1 });
  const all = [input.seed, input.distilled, input.gold];
  const merged = mergeRows(all, input.labels);
  const split = splitRows(merged.rows, seed, shares);
  progress({ stage: "split", done: 1, total: 1 });
  const trainedLabels = new Set(split.train.map((r) => r.label));
  if (trainedLabels.size < 2) {
    throw new FrugalError("input_invalid", `distill ${input.taskName}: ${split.train.length} training rows with ${trainedLabels.size} label(s); a classifier needs rows of at least two labels`);
  }

  const trained = await trainClassifierParallel({
    ...input.trainOptions,
    maxError: input.epsilon,
    confidenceLevel,
    calibrationFraction: UNUSED_TRAINER_CALIBRATION,
    seed,
    examples: split.train,
    dataFile: `distill:${input.taskName}`,
    ...(input.threads !== undefined ? { threads: input.threads } : {}),
    onProgress: (p) => progress(p),
  });
  progress({ stage: "certify", done: 0, total: 1 });
  const served = trained.classifier;
  // Where each model's test sequences start is placed on the held-out rows (labels read there, never on the calibration
  // rows), the same rows for both models so that their certified coverages compare. Without held-out rows: the trainer's
  // validation split for the candidate, the calibration confidences alone for the served model (the count rule, which
  // stops at once when label noise puts a few disagreements among the most confident rows: threshold.ts).
  const startsOn = (model: CompactClassifier) => (split.heldOut.length > 0 ? scoreRows(model, split.heldOut) : undefined);
  const candidateCert = certifyOn(served, split.calibration, input.epsilon, confidenceLevel, startsOn(served) ?? trained.scores.validation);
  const parts = certifiedParts(trained.parts, candidateCert.selection, candidateCert.report, { task: input.taskName, seed, shares });
  const candidate = createLinearClassifier(parts);
  const currentCert = input.current === undefined ? undefined : certifyOn(input.current, split.calibration, input.epsilon, confidenceLevel, startsOn(input.current));
  progress({ stage: "certify", done: 1, total: 1 });

  progress({ stage: "evaluate", done: 0, total: 1 });
  const candidateHeldOut = evaluateBySource(candidate, split.heldOut);
  const current = input.current === undefined || currentCert === undefined ? null : { heldOut: evaluateBySource(input.current, split.heldOut), certificate: currentCert.report };
  progress({ stage: "evaluate", done: 1, total: 1 });

  const candidateCoverage = candidateCert.report.certified ? candidateCert.report.coverage : 0;
  const currentCoverage = currentCert === undefined ? null : currentCert.report.certified ? currentCert.report.coverage : 0;
  const notes = [
    "held-out figures against LLM labels measure agreement with the LLM, not accuracy; seed and gold rows are human labels",
  ];
  if (candidateCert.report.bySource.llm > 0) notes.push("the certificate was tested on LLM-labeled rows (among others): for those it bounds disagreement with the LLM, not the error against the truth");
  if (merged.unknownLabel.llm > 0) notes.push(`${merged.unknownLabel.llm} LLM answers outside the label set were dropped`);
  return {
    candidate,
    parts,
    report: {
      task: input.taskName,
      epsilon: input.epsilon,
      confidenceLevel,
      seed,
      shares,
      splitRule: `u = seeded 32-bit hash (seed ${seed}) of the normalized text / 2^32: held-out when u < ${shares.heldOut}, calibration when u < ${shares.heldOut + shares.calibration}, training otherwise`,
      sizes: {
        input: { seed: input.seed.length, llm: input.distilled.length, gold: input.gold.length },
        droppedDuplicate: merged.duplicates,
        droppedUnknownLabel: merged.unknownLabel,
        train: countBySource(split.train),
        calibration: countBySource(split.calibration),
        heldOut: countBySource(split.heldOut),
      },
      labelsMissingFromTraining: input.labels.filter((l) => !trainedLabels.has(l)),
      candidate: { heldOut: candidateHeldOut, certificate: candidateCert.report, trainSeconds: trained.seconds },
      current,
      promotion: {
        rule: PROMOTION_RULE,
        candidateCoverage,
        currentCoverage,
        candidateBetter: candidateCert.report.certified && (currentCoverage === null || candidateCoverage > currentCoverage),
      },
      notes,
    },
  };
}
