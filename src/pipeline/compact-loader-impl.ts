/**
 * The real CompactLoader over src/compact: load a model file, or train from labeled data and cache the model under
 * `.frugal/models/`, named by a hash of the training rows (the same hash the model file records) and of the training
 * defaults. A rerun with the same data loads the cached file (checksummed, so a damaged one is retrained, not trusted).
 */
import { existsSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { hashConfig } from "../cache/key.ts";
import { isFrugalError } from "../core/errors.ts";
import { classifierToContents, loadCompactClassifier, MODEL_FILE_VERSION, resolveTrainOptions, saveClassifierFile, trainClassifierParallel } from "../compact/index.ts";
import { EXTRACTOR_TRAINING_VERSION, loadCompactExtractor, saveExtractor, trainExtractor } from "../compact/extract/index.ts";
import { hashDocuments, readLabeledDocuments } from "../data/labeled-documents.ts";
import { hashExamples, readLabeledTexts } from "../data/labeled-texts.ts";
import type { CompactLoader, LoadedCompactModel, TrainOrReuseOptions } from "./compact-loader.ts";

function describeClassifier(file: string, model: ReturnType<typeof loadCompactClassifier>, trained: boolean): LoadedCompactModel {
  const meta = model.meta;
  return {
    model,
    file,
    trained,
    id: `${basename(file)}#${meta.training.dataHash.slice(7, 19)}`,
    info: {
      file,
      trained_in_this_run: trained,
      training_examples: meta.training.examples,
      training_data_hash: meta.training.dataHash,
      threshold: meta.threshold.value,
      threshold_certified: meta.threshold.certified,
      max_error: meta.threshold.maxError,
      expected_coverage: meta.threshold.coverage,
      calibration_accuracy: meta.metrics.calibration.accuracy,
      weights: meta.weights,
    },
  };
}

function describeExtractor(file: string, model: ReturnType<typeof loadCompactExtractor>, trained: boolean, dataHash: string | null): LoadedCompactModel {
  return {
    model,
    file,
    trained,
    id: `${basename(file)}#${(dataHash ?? "unknown").slice(7, 19)}`,
    info: { file, trained_in_this_run: trained, training_data_hash: dataHash, thresholds: model.thresholds },
  };
}

function loadIfPresent<T>(file: string, load: (file: string) => T): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return load(file);
  } catch (error) {
    // A damaged or foreign cached file is retrained over rather than trusted.
    if (isFrugalError(error)) return undefined;
    throw error;
  }
}

export function createCompactLoader(): CompactLoader {
  return {
    load({ file, kind }) {
      if (kind === "classify") return describeClassifier(file, loadCompactClassifier(file), false);
      return describeExtractor(file, loadCompactExtractor(file), false, null);
    },
    async trainOrReuse(options: TrainOrReuseOptions): Promise<LoadedCompactModel> {
      mkdirSync(options.cacheDir, { recursive: true });
      if (options.kind === "classify") {
        const set = readLabeledTexts(options.data, { ...(options.textCol !== undefined ? { textCol: options.textCol } : {}), ...(options.labelCol !== undefined ? { labelCol: options.labelCol } : {}) });
        const dataHash = hashExamples(set.examples);
        const key = hashConfig({ dataHash, defaults: resolveTrainOptions({}), format: MODEL_FILE_VERSION });
        const file = join(options.cacheDir, `classifier-${key}.frugal`);
        const cached = loadIfPresent(file, loadCompactClassifier);
        if (cached !== undefined && cached.meta.training.dataHash === dataHash) return describeClassifier(file, cached, false);
        // Fold models in worker threads, as `frugal train classify` does: the same model as inline training, in about half
        // the wall time on two cores (the demo's first run waits on it).
        const trained = await trainClassifierParallel({
          examples: set.examples,
          dataFile: options.data,
          ...(options.labelCol !== undefined ? { labelColumn: options.labelCol } : {}),
          onProgress: (p) => options.onProgress?.(p.stage === "train" ? p.done : 0, p.stage === "train" ? p.total : 1),
        });
        saveClassifierFile(file, classifierToContents(trained.parts));
        // The trained int8 model is the one the file holds: serve it as it is rather than reading the file back.
        return describeClassifier(file, trained.classifier, true);
      }
      const set = readLabeledDocuments(options.data);
      const dataHash = hashDocuments(set.documents);
      // The training version is in the key: an extractor trained by an older procedure (other certificates) is not reused.
      const key = hashConfig({ dataHash, format: MODEL_FILE_VERSION, kind: "extract", training: EXTRACTOR_TRAINING_VERSION });
      const file = join(options.cacheDir, `extractor-${key}.frugal`);
      const cached = loadIfPresent(file, loadCompactExtractor);
      if (cached !== undefined) return describeExtractor(file, cached, false, dataHash);
      const { extractor } = trainExtractor({ documents: set.documents, dataHash, onProgress: (done, total) => options.onProgress?.(done, total) });
      saveExtractor(extractor, file);
      return describeExtractor(file, extractor, true, dataHash);
    },
  };
}
