/**
 * Options of `trainClassifier`, validated once by zod so that a bad value fails with its name before any work starts.
 * Defaults were chosen by cross-validation on training data only (bench/compact-tune.ts; notes in bench/notes/compact.md),
 * never on a test set, and are shared by every dataset: nothing here is tuned to one of them.
 */
import { z } from "zod";
import { validateConfig } from "../core/config-file.ts";
import { featurizerConfigSchema } from "./featurizer.ts";

export const trainClassifierOptionsSchema = z
  .object({
    /** ε: the highest acceptable error rate among the answers the model keeps. */
    maxError: z.number().gt(0).lt(1).default(0.02),
    /** 1 − δ: how sure we must be that the kept error rate is ≤ ε. */
    confidenceLevel: z.number().gt(0).lt(1).default(0.95),
    featurizer: featurizerConfigSchema.default(featurizerConfigSchema.parse({})),
    /** Drop features seen in fewer training texts than this. */
    minDf: z.number().int().min(1).default(1),
    /** Upper bound on the model file; rarer features are dropped first to fit it. */
    maxModelBytes: z.number().int().min(100_000).default(10_000_000),
    /** Held out of every fold model: early stopping, the temperature, and where the threshold test starts. */
    validationFraction: z.number().gt(0).lt(0.5).default(0.05),
    /** Cross-fitting folds: K models on K−1 folds each, averaged into the served model; their out-of-fold scores certify it. */
    folds: z.number().int().min(2).max(20).default(5),
    optimizer: z.enum(["adagrad", "adagrad-rowwise"]).default("adagrad"),
    learningRate: z.number().positive().default(2),
    weightDecay: z.number().min(0).lt(1).default(0),
    /** Input dropout during training: each n-gram of an example is dropped with this probability at each step. */
    dropout: z.number().min(0).lt(1).default(0),
    maxEpochs: z.number().int().min(1).max(500).default(30),
    patience: z.number().int().min(1).default(3),
    /** Early stopping: an epoch must lower the validation loss by this fraction to count as an improvement. */
    minDelta: z.number().min(0).lt(1).default(0.002),
    seed: z.number().int().default(20240917),
  })
  .strict();

export type TrainClassifierConfig = z.output<typeof trainClassifierOptionsSchema>;
export type TrainClassifierConfigInput = z.input<typeof trainClassifierOptionsSchema>;

export function resolveTrainOptions(input: TrainClassifierConfigInput, source = "training options"): TrainClassifierConfig {
  return validateConfig(trainClassifierOptionsSchema, input, source);
}
