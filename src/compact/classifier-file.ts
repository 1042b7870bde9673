/**
 * Classifier ⇄ model file (format in model-file.ts). Tensors: `buckets` (uint32, the feature space rows), `idf` (float32),
 * the output layer `weights` (int8 inputs × classes, or float32 for the comparison model), `scales` (float32 per class, int8
 * only), `bias`; with a hidden layer, its `hidden_weights` (features × units), `hidden_scales`, `hidden_bias`, and the output
 * layer's inputs are the hidden units. Everything a reader needs to trust the file is checked here, so a bad file fails at
 * load with its name, never at predict.
 */
import { FrugalError } from "../core/errors.ts";
import { describeZodError } from "../core/config-file.ts";
import { readModelFile, writeModelFile, type ModelFileContents, type TensorData } from "./model-file.ts";
import { createFeatureSpace } from "./feature-space.ts";
import { CLASSIFIER_META_SCHEMA, classifierMetaSchema, upgradeClassifierMeta, type ClassifierMeta } from "./classifier-meta.ts";
import type { DenseLayer } from "./network-scorer.ts";
import { createLinearClassifier, type LinearClassifier, type LinearClassifierParts } from "./linear-classifier.ts";

export const CLASSIFIER_KIND = "classifier";

export function classifierToContents(parts: LinearClassifierParts): ModelFileContents {
  const rows = parts.space.size;
  const tensors: ModelFileContents["tensors"] = {
    buckets: { dtype: "uint32", shape: [rows], data: parts.space.buckets },
    idf: { dtype: "float32", shape: [rows], data: parts.space.idf },
  };
  const put = (prefix: string, layer: DenseLayer): void => {
    const { weights, scales, bias, numInputs, numOutputs } = layer;
    tensors[`${prefix}weights`] =
      weights instanceof Int8Array ? { dtype: "int8", shape: [numInputs, numOutputs], data: weights } : { dtype: "float32", shape: [numInputs, numOutputs], data: weights };
    tensors[`${prefix}bias`] = { dtype: "float32", shape: [numOutputs], data: bias };
    if (weights instanceof Int8Array && scales !== undefined) tensors[`${prefix}scales`] = { dtype: "float32", shape: [numOutputs], data: scales };
  };
  const [first, second] = parts.layers;
  if (first === undefined || parts.layers.length > 2) throw new Error("a classifier file holds one or two layers");
  if (second === undefined) put("", first);
  else {
    put("hidden_", first);
    put("", second);
  }
  return { kind: CLASSIFIER_KIND, meta: parts.meta as Record<string, unknown>, tensors };
}

export function classifierFromContents(contents: ModelFileContents, file: string): LinearClassifier {
  const invalid = (reason: string): FrugalError =>
    new FrugalError("model_file_invalid", `${file}: not a usable classifier model (${reason})`, { details: { file } });
  const schema = contents.meta.schema;
  if (typeof schema === "number" && schema > CLASSIFIER_META_SCHEMA) {
    throw new FrugalError("model_file_invalid", `${file}: classifier header schema ${schema} was written by a newer frugal (this one reads up to ${CLASSIFIER_META_SCHEMA}); upgrade frugal`, {
      details: { file },
    });
  }
  const parsed = classifierMetaSchema.safeParse(upgradeClassifierMeta(contents.meta));
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
  const layer = (prefix: string, numInputs: number, numOutputs: number): DenseLayer => {
    const bias = tensor(`${prefix}bias`, Float32Array, numOutputs);
    if (meta.weights === "float32") return { numInputs, numOutputs, weights: tensor(`${prefix}weights`, Float32Array, numInputs * numOutputs), bias };
    return { numInputs, numOutputs, weights: tensor(`${prefix}weights`, Int8Array, numInputs * numOutputs), scales: tensor(`${prefix}scales`, Float32Array, numOutputs), bias };
  };
  const hidden = meta.hiddenUnits;
  const layers = hidden > 0 ? [layer("hidden_", rows, hidden), layer("", hidden, k)] : [layer("", rows, k)];
  let space;
  try {
    space = createFeatureSpace({ featurizer: meta.featurizer, buckets, idf });
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : String(error));
  }
  return createLinearClassifier({
    labels: meta.labels,
    space,
    layers,
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
