/**
 * How the PoC gets its compact models: load a model file, or train one from labeled data and keep it, keyed by the
 * training file's hash, so a rerun (and every `npm run demo` after the first) reuses it instead of training again.
 * An interface so tests can hand the runner a small model without training one.
 */
import type { CompactModel } from "../compact/types.ts";

export interface LoadedCompactModel {
  model: CompactModel;
  /** File path + training-data hash: identifies the model in cache scopes and results keys. */
  id: string;
  file: string;
  /** Trained in this run (false: loaded or reused from the cache). */
  trained: boolean;
  /** Training metrics or model metadata worth showing in the report. */
  info: Record<string, unknown>;
}

export interface TrainOrReuseOptions {
  kind: "classify" | "extract";
  data: string;
  textCol?: string;
  labelCol?: string;
  cacheDir: string;
  onProgress?: (done: number, total: number) => void;
}

export interface CompactLoader {
  load(options: { file: string; kind: "classify" | "extract" }): LoadedCompactModel;
  trainOrReuse(options: TrainOrReuseOptions): Promise<LoadedCompactModel>;
}
