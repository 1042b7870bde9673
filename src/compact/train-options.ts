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
    /**
     * Cross-fitting folds: K models on K−1 folds each; their out-of-fold scores certify the threshold. A linear model serves
     * the average of the K fold models, so more folds mean more data in the weights (default 5). A hidden-layer model serves
     * a refit on all the folds, so K only sets how much data the certifying models see: 5 below 4,000 examples (there,
     * fold models trained on half the data are too weak to certify any threshold), 2 from 4,000 up (a refit and two fold
     * models split evenly over two cores, which keeps 10,000 examples within the 30 s budget; bench/notes/compact.md).
     */
    folds: z.number().int().min(2).max(20).optional(),
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
  .strict();

export type TrainClassifierConfig = z.output<typeof trainClassifierOptionsSchema> & { folds: number };
export type TrainClassifierConfigInput = z.input<typeof trainClassifierOptionsSchema>;

/** Below this many examples a hidden-layer model's default is 5 folds, from it up 2 (see `folds`). */
export const FEW_FOLDS_FROM_EXAMPLES = 4000;

/** Validates the options; `exampleCount` (when known) picks the default fold count of a hidden-layer model. */
export function resolveTrainOptions(input: TrainClassifierConfigInput, source = "training options", exampleCount?: number): TrainClassifierConfig {
  const config = validateConfig(trainClassifierOptionsSchema, input, source);
  const few = config.hiddenUnits > 0 && (exampleCount === undefined || exampleCount >= FEW_FOLDS_FROM_EXAMPLES);
  return { ...config, folds: config.folds ?? (few ? 2 : 5) };
}

/** The AdaGrad step size in effect: the option, or the default of the model kind. */
export function effectiveLearningRate(config: TrainClassifierConfig): number {
  return config.learningRate ?? (config.hiddenUnits > 0 ? 0.05 : 2);
}
