/**
 * `frugal distill` for an extract task: the task's ledger rows (the fields the LLM answered, gold feedback) plus the
 * compact tier's labeled documents (its `train.data`, when it has one) → a candidate extractor trained and certified as
 * `frugal train extract` does (trainExtractor: per-field thresholds tested on its own calibration split), compared per
 * field with the served extractor on held-out documents, LLM-labeled and gold apart, then registered as a `candidate`
 * version with a `model_registered` event row (as the classify path, distill-task.ts).
 *
 * Held-out documents are chosen by the seeded hash of their text (distill-split.ts), so a document is held out in every
 * run with the same seed and share, whatever the ledger grew by; the calibration split inside trainExtractor is its own
 * seeded shuffle of the remaining documents (a document may be calibration in one run and training in the next).
 */
import { isAbsolute, resolve } from "node:path";
import { encodeExtractor } from "../compact/extract/model.ts";
import { valuesMatch } from "../compact/extract/normalize.ts";
import { trainExtractor, type TrainExtractorOptions } from "../compact/extract/train.ts";
import type { CompactExtractor } from "../compact/types.ts";
import { FrugalError } from "../core/errors.ts";
import { readLabeledDocuments } from "../data/labeled-documents.ts";
import type { CompactTierConfig } from "../pipeline/config.ts";
import { wilson, type Interval } from "../results/intervals.ts";
import { DEFAULT_DISTILL_SEED, DEFAULT_SHARES } from "./distill-core.ts";
import { LABEL_SOURCES, splitOf, type BySource, type LabelSource } from "./distill-split.ts";
import { compactTierOf, configModel, findTask, ledgerRegistration, type DistillTaskOptions } from "./distill-task.ts";
import { extractDatasetFromLedger, mergeDocuments, type LabeledFieldsRow, type MergedDocument } from "./extract-dataset.ts";
import { emptyDatasetReason, type LedgerDatasetStats } from "./ledger-dataset.ts";
import { CONFIG_VERSION, type ModelVersion } from "./registry.ts";

/** ε when neither the flag nor the served extractor's training says: `frugal train extract`'s own default. */
export const DEFAULT_EXTRACT_EPSILON = 0.05;

export interface DistillExtractOptions extends DistillTaskOptions {
  /** Share of documents held out for the comparison (default: distill's 10%). */
  heldOutShare?: number;
  randomSeed?: number;
  /** Passed to trainExtractor (folds, epochs…); documents, fields and the certificate's ε and confidence are set here. */
  trainOptions?: Partial<Omit<TrainExtractorOptions, "documents" | "fields" | "maxError" | "confidence">>;
}

/** One model, one field, the held-out documents whose label came from one source. */
export interface FieldSourceEvaluation {
  n: number;
  /** Exact match after normalization (valuesMatch); against LLM labels it is agreement with the LLM. */
  accuracy: number | null;
  accuracyCi95: Interval | null;
  /** Share of answers at or above the field's threshold (the ones the cascade keeps), and their error. */
  coverage: number | null;
  keptError: number | null;
  keptErrorCi95: Interval | null;
}

export type FieldEvaluations = Record<string, Record<LabelSource, FieldSourceEvaluation>>;

export interface FieldCertificate {
  threshold: number | null;
  certified: boolean;
  expectedCoverage: number;
  calibrationRows: number;
  calibrationAccuracy: number;
  errorUpperBound: number | null;
}

export interface DistillExtractReport {
  task: string;
  kind: "extract";
  epsilon: number;
  confidenceLevel: number;
  seed: number;
  heldOutShare: number;
  splitRule: string;
  fields: string[];
  sizes: {
    /** Rows read, by source (an LLM row holds only the fields the LLM gave). */
    input: BySource;
    /** Partly kept requests: only their LLM fields were taken. */
    llmPartlyKept: number;
    trainDocuments: number;
    heldOutDocuments: number;
    /** Field labels by source after the merge (gold > seed > LLM, per field). */
    trainLabels: BySource;
    heldOutLabels: BySource;
  };
  candidate: { certificates: Record<string, FieldCertificate>; heldOut: FieldEvaluations; trainSeconds: number };
  current: { heldOut: FieldEvaluations } | null;
  notes: string[];
}

export interface DistillExtractResult {
  version: ModelVersion;
  report: DistillExtractReport;
  ledgerRows: LedgerDatasetStats;
  against: string;
}

function seedDocuments(baseDir: string, tier: CompactTierConfig): LabeledFieldsRow[] {
  if (tier.train === undefined) return [];
  const file = isAbsolute(tier.train.data) ? tier.train.data : resolve(baseDir, tier.train.data);
  return readLabeledDocuments(file).documents.map((d) => ({ text: d.text, fields: d.fields, source: "seed" as const }));
}

function labelsBySource(docs: readonly MergedDocument[]): BySource {
  const counts: BySource = { seed: 0, llm: 0, gold: 0 };
  for (const d of docs) for (const f of Object.values(d.fields)) counts[f.source]++;
  return counts;
}

const share = (k: number, n: number): number | null => (n === 0 ? null : k / n);

/** Per field and label source: accuracy and the kept answers' error at the model's own thresholds, with Wilson intervals. */
export function evaluateFields(model: CompactExtractor, docs: readonly MergedDocument[], fields: readonly string[]): FieldEvaluations {
  const tally = new Map<string, { n: number; correct: number; kept: number; keptWrong: number }>();
  for (const doc of docs) {
    const prediction = model.predict(doc.text);
    for (const field of fields) {
      const label = doc.fields[field];
      if (label === undefined) continue;
      const answer = prediction[field];
      const t = tally.get(`${field}\u0000${label.source}`) ?? { n: 0, correct: 0, kept: 0, keptWrong: 0 };
      const correct = valuesMatch(answer?.value ?? null, label.value);
      const kept = answer !== undefined && answer.confidence >= (model.thresholds[field] ?? Number.POSITIVE_INFINITY);
      t.n++;
      if (correct) t.correct++;
      if (kept) t.kept++;
      if (kept && !correct) t.keptWrong++;
      tally.set(`${field}\u0000${label.source}`, t);
    }
  }
  const out: FieldEvaluations = {};
  for (const field of fields) {
    out[field] = Object.fromEntries(
      LABEL_SOURCES.map((source) => {
        const t = tally.get(`${field}\u0000${source}`) ?? { n: 0, correct: 0, kept: 0, keptWrong: 0 };
        return [source, { n: t.n, accuracy: share(t.correct, t.n), accuracyCi95: wilson(t.correct, t.n), coverage: share(t.kept, t.n), keptError: share(t.keptWrong, t.kept), keptErrorCi95: wilson(t.keptWrong, t.kept) }];
      }),
    ) as Record<LabelSource, FieldSourceEvaluation>;
  }
  return out;
}

export async function distillExtractTask(options: DistillExtractOptions): Promise<DistillExtractResult> {
  const { config, registry } = options;
  const task = findTask(config, options.task);
  if (task.kind !== "extract") throw new FrugalError("input_invalid", `task ${task.name} is a ${task.kind} task, not an extract task`);
  const { name: tierName, tier } = compactTierOf(config, task);
  const dataset = await extractDatasetFromLedger(options.ledger, { task: task.name, ...(options.since !== undefined ? { since: options.since } : {}) });
  const empty = emptyDatasetReason(task.name, task.store_bodies, dataset, options.where + (options.since !== undefined ? ` since ${options.since}` : ""));
  if (empty !== undefined) throw new FrugalError("input_invalid", empty);

  // Extractor versions are never served from the registry (promotion refuses them): the served one is frugal.yaml's.
  const current = (await configModel(options, tierName, tier, "extract")) as CompactExtractor;
  const fields = task.fields ?? [...current.fields];
  const trainedWith = (current as { parts?: { training?: { maxError?: unknown; confidence?: unknown } } }).parts?.training;
  const epsilon = options.epsilon ?? (typeof trainedWith?.maxError === "number" ? trainedWith.maxError : DEFAULT_EXTRACT_EPSILON);
  const confidenceLevel = typeof trainedWith?.confidence === "number" ? trainedWith.confidence : 0.95;
  const seed = options.randomSeed ?? DEFAULT_DISTILL_SEED;
  const heldOutShare = options.heldOutShare ?? DEFAULT_SHARES.heldOut;
  const seedRows = seedDocuments(options.baseDir, tier);
  const merged = mergeDocuments([seedRows, dataset.distilled, dataset.gold], fields);
  const heldOut = merged.filter((d) => splitOf(d.text, seed, { heldOut: heldOutShare, calibration: 0 }) === "heldOut");
  const train = merged.filter((d) => !heldOut.includes(d));
  const progress = options.onProgress ?? (() => undefined);

  const trained = trainExtractor({
    ...options.trainOptions,
    documents: train.map((d) => ({ text: d.text, fields: Object.fromEntries(fields.map((f) => [f, d.fields[f]?.value ?? null])) })),
    fields,
    maxError: epsilon,
    confidence: confidenceLevel,
    seed,
    dataHash: `distill:${task.name}`,
    onProgress: (done, total) => progress({ stage: "train", done, total }),
  });
  progress({ stage: "evaluate", done: 0, total: 1 });
  const candidateHeldOut = evaluateFields(trained.extractor, heldOut, fields);
  const currentHeldOut = evaluateFields(current, heldOut, fields);
  progress({ stage: "evaluate", done: 1, total: 1 });

  const certificates: Record<string, FieldCertificate> = Object.fromEntries(
    trained.report.fields.map((f) => [
      f.name,
      { threshold: f.threshold, certified: f.thresholdMet, expectedCoverage: f.expectedCoverage, calibrationRows: f.calibrationSize, calibrationAccuracy: f.calibrationAccuracy, errorUpperBound: f.errorUpperBound },
    ]),
  );
  const notes = ["held-out figures against LLM labels measure agreement with the LLM, not accuracy; seed and gold rows are human labels"];
  if (dataset.distilled.length > 0) notes.push("the certificates were tested on calibration documents labeled (in part) by the LLM: for those fields they bound disagreement with the LLM");
  if (dataset.partlyKept > 0) notes.push(`${dataset.partlyKept} requests were partly kept by the compact tier: only the fields the LLM answered were used`);
  const report: DistillExtractReport = {
    task: task.name,
    kind: "extract",
    epsilon,
    confidenceLevel,
    seed,
    heldOutShare,
    splitRule: `u = seeded 32-bit hash (seed ${seed}) of the normalized text / 2^32: held out when u < ${heldOutShare}; the rest trains, trainExtractor holding out its own calibration split`,
    fields,
    sizes: {
      input: { seed: seedRows.length, llm: dataset.distilled.length, gold: dataset.gold.length },
      llmPartlyKept: dataset.partlyKept,
      trainDocuments: train.length,
      heldOutDocuments: heldOut.length,
      trainLabels: labelsBySource(train),
      heldOutLabels: labelsBySource(heldOut),
    },
    candidate: { certificates, heldOut: candidateHeldOut, trainSeconds: trained.report.trainMs / 1000 },
    current: { heldOut: currentHeldOut },
    notes,
  };
  const certs = Object.values(certificates);
  const version = options.registry.register(task.name, {
    contents: encodeExtractor(trained.extractor.parts),
    source: "distill",
    examples: { ...report.sizes.trainLabels },
    // The registry keeps one certificate per version: for an extractor, certified when some field is, and the mean
    // expected coverage over fields (an uncertified field counts 0: it always escalates). Per field: the report.
    certificate: { threshold: null, certified: certs.some((c) => c.certified), maxError: epsilon, confidenceLevel, coverage: certs.reduce((s, c) => s + (c.certified ? c.expectedCoverage : 0), 0) / Math.max(1, certs.length) },
    report: { kind: "extract", against: CONFIG_VERSION, certificates, heldOut: candidateHeldOut, currentHeldOut },
  });
  await ledgerRegistration(options.ledger, task.name, version, { against: CONFIG_VERSION, kind: "extract", epsilon, certified: version.certificate.certified, coverage: version.certificate.coverage, fields: certificates, train: report.sizes.trainLabels });
  return { version, report, ledgerRows: dataset.stats, against: CONFIG_VERSION };
}
