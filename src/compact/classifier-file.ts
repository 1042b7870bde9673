/**
 * Classifier ⇄ model file (format in model-file.ts). Tensors: `buckets` (uint32, the feature space rows), `idf` (float32),
 * `weights` (int8 rows × classes, or float32 for the comparison model), `scales` (float32 per class, int8 only), `bias`.
 * Everything a reader needs to trust the file is checked here, so a bad file fails at load with its name, never at predict.
 */
import { FrugalError } from "../core/errors.ts";
import { describeZodError } from "../core/config-file.ts";
import { readModelFile, writeModelFile, type ModelFileContents, type TensorData } from "./model-file.ts";
import { createFeatureSpace } from "./feature-space.ts";
import { classifierMetaSchema, type ClassifierMeta } from "./classifier-meta.ts";
import { createLinearClassifier, type LinearClassifier, type LinearClassifierParts } from "./linear-classifier.ts";

export const CLASSIFIER_KIND = "classifier";

export function classifierToContents(parts: LinearClassifierParts): ModelFileContents {
  const rows = parts.space.size;
  const k = parts.labels.length;
  const { weights, scales, bias } = parts;
  const tensors: ModelFileContents["tensors"] = {
    buckets: { dtype: "uint32", shape: [rows], data: parts.space.buckets },
    idf: { dtype: "float32", shape: [rows], data: parts.space.idf },
    weights: weights instanceof Int8Array ? { dtype: "int8", shape: [rows, k], data: weights } : { dtype: "float32", shape: [rows, k], data: weights },
    bias: { dtype: "float32", shape: [k], data: bias },
  };
  if (weights instanceof Int8Array && scales !== undefined) tensors.scales = { dtype: "float32", shape: [k], data: scales };
  return { kind: CLASSIFIER_KIND, meta: parts.meta as Record<string, unknown>, tensors };
}

export function classifierFromContents(contents: ModelFileContents, file: string): LinearClassifier {
  const invalid = (reason: string): FrugalError =>
    new FrugalError("model_file_invalid", `${file}: not a usable classifier model (${reason})`, { details: { file } });
  const parsed = classifierMetaSchema.safeParse(contents.meta);
  if (!parsed.success) throw invalid(`header field ${describeZodError(parsed.error)[0] ?? "invalid"}`);
  const meta: ClassifierMeta = parsed.data;
  const k = meta.labels.length;
  const tensor = <T extends TensorData>(name: string, ctor: new (...args: never[]) => T, length?: number): T => {
    const entry = contents.tensors[name];
    if (entry === undefined) throw invalid(`missing tensor "${name}"`);
    if (!(entry.data instanceof ctor)) throw invalid(`tensor "${name}" has dtype ${entry.dtype}`);
    if (length !== undefined && entry.data.length !== length) throw invalid(`tensor "${name}" has ${entry.data.length} values, expected ${length}`);
    return entry.data;
  };
  const buckets = tensor("buckets", Uint32Array);
  const rows = buckets.length;
  const idf = tensor("idf", Float32Array, rows);
  const bias = tensor("bias", Float32Array, k);
  const weights = meta.weights === "int8" ? tensor("weights", Int8Array, rows * k) : tensor("weights", Float32Array, rows * k);
  const scales = meta.weights === "int8" ? tensor("scales", Float32Array, k) : undefined;
  let space;
  try {
    space = createFeatureSpace({ featurizer: meta.featurizer, buckets, idf });
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  return createLinearClassifier({
    labels: meta.labels,
    space,
    weights,
    ...(scales === undefined ? {} : { scales }),
    bias,
    temperature: meta.temperature,
    threshold: meta.threshold.value ?? Number.POSITIVE_INFINITY,
    meta,
  });
}

/** Reads a classifier model file; any problem is a FrugalError naming the file. */
export function loadCompactClassifier(file: string): LinearClassifier {
  return classifierFromContents(readModelFile(file, CLASSIFIER_KIND), file);
}

/** Writes atomically; returns the file size in bytes. */
export function saveClassifierFile(file: string, contents: ModelFileContents): number {
  try {
    return writeModelFile(file, contents);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FrugalError("input_invalid", `${file}: cannot write the model file (${reason})`, { details: { file } });
  }
}
