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
    /** Held out of the weights: early stopping, the temperature, and where the threshold test starts. */
    validationFraction: z.number().gt(0).lt(0.5).default(0.05),
    /**
     * Held out of everything else: the served model's own scores on it test the threshold (train-classifier.ts), so the
     * certificate is about the model that answers. Larger: more coverage certified, less data in the weights.
     */
    calibrationFraction: z.number().gt(0).lt(0.5).default(0.15),
    /**
     * Linear models only: the served model is the average of K models, each trained on K−1 folds of the training split
     * (the logit-averaging ensemble as one model; more folds, more data in each member). A hidden-layer model is one model
     * trained on the whole training split (its units come in no particular order, so models cannot be averaged).
     */
    folds: z.number().int().min(2).max(20).default(5),
    /**
     * Hidden units of the model: 0 is a linear softmax model over the n-grams; N > 0 puts one ReLU layer of N units (a
     * multiple of 16, the SIMD kernels' step) between them and the softmax. The hidden layer is what lifted cross-validated
     * accuracy past the linear model's plateau (bench/notes/compact.md).
     */
    hiddenUnits: z
      .number()
      .int()
      .min(0)
      .max(1024)
      .refine((n) => n % 16 === 0, { message: "must be 0 or a multiple of 16" })
      .default(192),
    /**
     * Hidden-layer models only: the served model is the logit average of this many members, each with hiddenUnits/members
     * units, trained on the same split with their own seeds (in parallel, one per core). Their hidden layers are
     * concatenated into one layer of `hiddenUnits` units, so the file size and the predict cost are those of one model.
     * Default: 2 where the units split into two multiples of 16 (on a train-only dev split of BANKING77, two members of 96
     * units beat one of 192 by half a point, in the same wall time on two cores; bench/notes/compact.md), else 1.
     */
    members: z.number().int().min(1).max(8).optional(),
    /** Dropout on the hidden units during training (the hidden layer's regularizer). */
    hiddenDropout: z.number().min(0).lt(1).default(0.5),
    /** Linear models only (the hidden-layer model uses per-weight AdaGrad). */
    optimizer: z.enum(["adagrad", "adagrad-rowwise"]).default("adagrad"),
    /** AdaGrad step size. Default: 2 for a linear model, 0.05 with a hidden layer (its gradients compound over two layers). */
    learningRate: z.number().positive().optional(),
    weightDecay: z.number().min(0).lt(1).default(0),
    /** Linear models only: input dropout, each n-gram of an example dropped with this probability at each step. */
    dropout: z.number().min(0).lt(1).default(0),
    maxEpochs: z.number().int().min(1).max(500).default(30),
    patience: z.number().int().min(1).default(3),
    /** Early stopping: an epoch must lower the validation loss by this fraction to count as an improvement. */
    minDelta: z.number().min(0).lt(1).default(0.002),
    seed: z.number().int().default(20240917),
  })
  .strict()
  .refine((o) => o.hiddenUnits === 0 || o.members === undefined || o.hiddenUnits % (16 * o.members) === 0, {
    message: "hiddenUnits must split into members of a multiple of 16 units each",
    path: ["members"],
  })
  .refine((o) => o.validationFraction + o.calibrationFraction <= 0.6, {
    message: "validationFraction + calibrationFraction must leave at least 40% of the data to train on",
    path: ["calibrationFraction"],
  });

export type TrainClassifierConfig = z.output<typeof trainClassifierOptionsSchema> & { members: number };
export type TrainClassifierConfigInput = z.input<typeof trainClassifierOptionsSchema>;

/** Validates the options once, naming `source` in errors. */
export function resolveTrainOptions(input: TrainClassifierConfigInput, source = "training options"): TrainClassifierConfig {
  const config = validateConfig(trainClassifierOptionsSchema, input, source);
  return { ...config, members: config.members ?? (config.hiddenUnits > 0 && config.hiddenUnits % 32 === 0 ? 2 : 1) };
}

/** The AdaGrad step size in effect: the option, or the default of the model kind. */
export function effectiveLearningRate(config: TrainClassifierConfig): number {
  return config.learningRate ?? (config.hiddenUnits > 0 ? 0.05 : 2);
}
