/**
 * The trained extractor as the cascade uses it (CompactExtractor), and its single model file (kind "extractor").
 *
 * File layout: the JSON header holds the fields (spec, calibration, threshold, memory, spelling decision), the serving
 * options and the training report; tensors hold each field's non-zero ranker weights as (uint32 index, float32 value) pairs
 * — hashed weight vectors are mostly empty, so the sparse form is ~25x smaller than the dense one, and it is what serving
 * scores with (weight-table.ts).
 */
import { z } from "zod";
import { FrugalError } from "../../core/errors.ts";
import { readModelFile, writeModelFile, type ModelFileContents } from "../model-file.ts";
import type { CompactExtractor, FieldPrediction } from "../types.ts";
import { applyCalibration, calibrationFeatures, type Calibration } from "./calibration.ts";
import type { FieldSpec } from "./candidates.ts";
import { prepareDocument } from "./document.ts";
import { FEATURE_VERSION } from "./features.ts";
import { ScoringSink } from "./feature-sink.ts";
import { ValueMemory } from "./memory.ts";
import { predictField, type FieldModel } from "./predict-field.ts";
import { WeightTable } from "./weight-table.ts";

export const EXTRACTOR_KIND = "extractor";

export interface ExtractorField {
  model: FieldModel;
  calibration: Calibration;
  /** +Infinity when no threshold met the error bound: the field always escalates. Stored as null in the file. */
  threshold: number;
}

export interface ExtractorParts {
  dimension: number;
  fields: ExtractorField[];
  /** Serving: text beyond this many characters is dropped (with a warning). */
  maxChars: number;
  /** Serving: how many ranked lines each FieldPrediction carries. */
  topLines: number;
  /** Free-form training report, stored in the file for `frugal eval` and humans. */
  training: Record<string, unknown>;
}

export interface ExtractorRuntimeOptions {
  /** Called when a text is truncated at maxChars (library code never prints). */
  onWarning?: (message: string) => void;
  /** Overrides the stored limit. */
  maxChars?: number;
}

export interface TrainedExtractor extends CompactExtractor {
  readonly parts: ExtractorParts;
  /** Like predict(), plus how many characters were dropped by the maxChars limit. */
  predictDetailed(text: string): { fields: Record<string, FieldPrediction>; truncatedChars: number };
}

export function createExtractor(parts: ExtractorParts, options: ExtractorRuntimeOptions = {}): TrainedExtractor {
  const maxChars = options.maxChars ?? parts.maxChars;
  if (!(Number.isInteger(maxChars) && maxChars > 0)) throw new FrugalError("config_invalid", `maxChars must be a positive integer, got ${maxChars}`);
  const sinks = parts.fields.map((f) => new ScoringSink(f.model.weights));
  const fields = parts.fields.map((f) => f.model.spec.name);
  const thresholds = Object.freeze(Object.fromEntries(parts.fields.map((f) => [f.model.spec.name, f.threshold])));
  const predictDetailed = (text: string): { fields: Record<string, FieldPrediction>; truncatedChars: number } => {
    const doc = prepareDocument(text, { maxChars });
    if (doc.truncatedChars > 0) options.onWarning?.(`text has ${text.length} characters; only the first ${maxChars} were read (maxChars)`);
    const out: Record<string, FieldPrediction> = {};
    for (let i = 0; i < parts.fields.length; i++) {
      const field = parts.fields[i] as ExtractorField;
      const raw = predictField(doc, field.model, { topLines: parts.topLines, sink: sinks[i] as ScoringSink });
      const lines: string[] = [];
      for (const l of raw.lineRanking) lines.push(doc.lines[l]?.text ?? "");
      out[field.model.spec.name] = {
        value: raw.value,
        confidence: raw.value === null ? 0 : applyCalibration(field.calibration, calibrationFeatures(raw.margin, raw.memoryKnown, raw.spellingShare, raw.answersMemorySpelling)),
        lines,
      };
    }
    return { fields: out, truncatedChars: doc.truncatedChars };
  };
  return { kind: "extract", fields, thresholds, parts, predictDetailed, predict: (text) => predictDetailed(text).fields };
}

const specSchema = z.object({
  name: z.string().min(1),
  type: z.enum(["date", "amount", "text"]),
  maxWindow: z.number().int().min(1),
  lineSpans: z.boolean(),
  maxSpanTokens: z.number().int().min(1),
  lineLimit: z.number().int().min(1),
});

const metaSchema = z.object({
  dimension: z.number().int().refine((d) => d > 0 && (d & (d - 1)) === 0, "must be a power of two"),
  maxChars: z.number().int().positive(),
  topLines: z.number().int().positive(),
  fields: z.array(
    z.object({
      spec: specSchema,
      calibration: z.object({ weights: z.array(z.number()).length(3), bias: z.number() }),
      threshold: z.number().min(0).max(1).nullable(),
      useMemorySpelling: z.boolean(),
      // Absent in version-1 files: they snap exact keys only.
      memoryEditRate: z.number().min(0).max(1).default(0),
      memory: z.array(z.tuple([z.string(), z.number().int().positive()])).nullable(),
    }),
  ).min(1),
  training: z.record(z.string(), z.unknown()),
});

export function encodeExtractor(parts: ExtractorParts): ModelFileContents {
  const tensors: ModelFileContents["tensors"] = {};
  parts.fields.forEach((field, i) => {
    const { indices, values } = field.model.weights.entries();
    tensors[`field${i}.indices`] = { dtype: "uint32", shape: [indices.length], data: indices };
    tensors[`field${i}.values`] = { dtype: "float32", shape: [values.length], data: values };
  });
  // One version per file: every field of a trained extractor is trained by the same build.
  const featureVersion = parts.fields[0]?.model.featureVersion ?? FEATURE_VERSION;
  const meta = {
    featureVersion,
    dimension: parts.dimension,
    maxChars: parts.maxChars,
    topLines: parts.topLines,
    fields: parts.fields.map((f) => ({
      spec: f.model.spec,
      calibration: f.calibration,
      threshold: Number.isFinite(f.threshold) ? f.threshold : null,
      useMemorySpelling: f.model.useMemorySpelling,
      memoryEditRate: f.model.memoryEditRate,
      memory: f.model.memory === null ? null : f.model.memory.entries(),
    })),
    training: parts.training,
  };
  return { kind: EXTRACTOR_KIND, meta, tensors };
}

/** Feature versions this build can serve (features.ts emits each one exactly as it was trained). */
const SUPPORTED_FEATURE_VERSIONS = [1, 2];

export function decodeExtractor(contents: ModelFileContents, file: string): ExtractorParts {
  const version = (contents.meta as { featureVersion?: unknown } | null)?.featureVersion;
  if (typeof version !== "number" || !SUPPORTED_FEATURE_VERSIONS.includes(version)) {
    throw new FrugalError(
      "model_version_unsupported",
      `${file}: extractor feature version ${JSON.stringify(version ?? null)} is not supported by this build (supported: ${SUPPORTED_FEATURE_VERSIONS.join(", ")}); retrain it with \`frugal train extract\` or use the frugal version that wrote it`,
      { details: { file } },
    );
  }
  const parsed = metaSchema.safeParse(contents.meta);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrugalError("model_file_invalid", `${file}: extractor header is invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "unknown"}`, { details: { file } });
  }
  const meta = parsed.data;
  const fields = meta.fields.map((f, i): ExtractorField => {
    const indices = contents.tensors[`field${i}.indices`]?.data;
    const values = contents.tensors[`field${i}.values`]?.data;
    if (!(indices instanceof Uint32Array) || !(values instanceof Float32Array) || indices.length !== values.length) {
      throw new FrugalError("model_file_invalid", `${file}: weights of field "${f.spec.name}" are missing or malformed`, { details: { file } });
    }
    const seen = new Set<number>();
    for (const index of indices) {
      if (index >= meta.dimension || seen.has(index)) throw new FrugalError("model_file_invalid", `${file}: weight indices of field "${f.spec.name}" are out of range or repeated`, { details: { file } });
      seen.add(index);
    }
    const weights = WeightTable.fromEntries(indices, values, meta.dimension);
    const spec: FieldSpec = f.spec;
    const memory = f.memory === null ? null : ValueMemory.fromEntries(f.memory);
    return { model: { spec, weights, memory, useMemorySpelling: f.useMemorySpelling, featureVersion: version, memoryEditRate: f.memoryEditRate }, calibration: f.calibration, threshold: f.threshold ?? Number.POSITIVE_INFINITY };
  });
  return { dimension: meta.dimension, fields, maxChars: meta.maxChars, topLines: meta.topLines, training: meta.training };
}

/** Writes the model file atomically; returns its size in bytes. */
export function saveExtractor(extractor: { parts: ExtractorParts }, file: string): number {
  return writeModelFile(file, encodeExtractor(extractor.parts));
}

export function loadCompactExtractor(file: string, options: ExtractorRuntimeOptions = {}): TrainedExtractor {
  return createExtractor(decodeExtractor(readModelFile(file, EXTRACTOR_KIND), file), options);
}

