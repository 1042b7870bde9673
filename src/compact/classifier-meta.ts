/**
 * What a classifier model file says about itself, in its JSON header: the labels, the featurizer config, the calibration and
 * the certified threshold, how and on what it was trained, and the metrics measured at training time. Validated on load so
 * that a file that passes the checksum but does not hold a classifier we understand is refused with a clear message.
 */
import { z } from "zod";
import { featurizerConfigSchema } from "./featurizer.ts";

/**
 * Header schema. 2 added the optional hidden layer (`hiddenUnits`, tensors `hidden_*`) and the featurizer's `charScope`.
 * Schema 1 files (linear, character n-grams across the whole text) still load: `upgradeClassifierMeta` states what they
 * left implicit. A file of a higher schema was written by a newer frugal and is refused with that reason.
 */
export const CLASSIFIER_META_SCHEMA = 2;

const thresholdSchema = z.object({
  /** null when nothing could be certified (every answer escalates). */
  value: z.number().nullable(),
  certified: z.boolean(),
  maxError: z.number(),
  confidenceLevel: z.number(),
  calibrationSize: z.number().int(),
  /** Share of the calibration split kept at `value`: the expected coverage. */
  coverage: z.number(),
  kept: z.number().int(),
  errors: z.number().int(),
  errorUpperBound: z.number(),
  startThreshold: z.number(),
  starts: z.array(z.number()).default([]),
  tested: z.number().int(),
  method: z.string(),
});

const splitMetricsSchema = z.looseObject({
  n: z.number().int(),
  accuracy: z.number(),
  /** The float model the int8 weights came from, on the same items. */
  floatAccuracy: z.number(),
  /** Share of items where int8 and float predict the same label. */
  int8Agreement: z.number(),
  macroF1: z.number(),
  /** Mean NLL of the calibrated int8 model. */
  nll: z.number(),
});

export const classifierMetaSchema = z.looseObject({
  schema: z.union([z.literal(1), z.literal(CLASSIFIER_META_SCHEMA)]),
  labels: z.array(z.string()).min(2),
  featurizer: featurizerConfigSchema,
  weights: z.enum(["int8", "float32"]),
  /** 0: a linear model; N: a ReLU layer of N units between the features and the output layer. */
  hiddenUnits: z.number().int().min(0).default(0),
  temperature: z.number().positive(),
  threshold: thresholdSchema,
  training: z.looseObject({
    dataFile: z.string(),
    /** sha256 of the training rows (text + label, in file order). */
    dataHash: z.string(),
    examples: z.number().int(),
    splits: z.object({ train: z.number().int(), validation: z.number().int(), calibration: z.number().int() }),
    /**
     * "holdout" (files from issue 9 on): the threshold was tested on the served model's own scores on a split it never
     * trained on. "out-of-fold" (older files): on the scores of smaller fold models, then applied to a model refit on all
     * the data, which is more confident than they were; such a threshold is not a certificate about the served model
     * (`frugal eval` says so), retrain to get one.
     */
    calibration: z.enum(["out-of-fold", "holdout"]).default("holdout"),
    folds: z.number().int().optional(),
    seed: z.number().int(),
    epochs: z.number().int(),
    bestEpoch: z.number().int(),
    seconds: z.number(),
    createdAt: z.string(),
    frugalVersion: z.string(),
    options: z.record(z.string(), z.unknown()),
  }),
  metrics: z.looseObject({ validation: splitMetricsSchema, calibration: splitMetricsSchema }),
});

export type ClassifierMeta = z.output<typeof classifierMetaSchema>;
export type SplitMetrics = z.output<typeof splitMetricsSchema>;
export type ThresholdMeta = z.output<typeof thresholdSchema>;

/**
 * Makes a schema-1 header explicit before validation: those files predate `charScope`, and their character n-grams ran
 * across the whole text — the current default (`words`) would silently featurize them differently. Newer headers pass as is.
 */
export function upgradeClassifierMeta(meta: Record<string, unknown>): Record<string, unknown> {
  if (meta.schema !== 1 || typeof meta.featurizer !== "object" || meta.featurizer === null) return meta;
  return { ...meta, featurizer: { charScope: "text", ...(meta.featurizer as Record<string, unknown>) } };
}
