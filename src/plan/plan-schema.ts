/**
 * plan.yaml: workloads (a model, a precision, a load, request sizes), the hardware to compare, an SLO, TCO assumptions,
 * and optional catalog rows and calibration overrides. One zod schema validates it (errors name the key path, via
 * loadConfigFile) and exports its JSON Schema for editors.
 */
import { z } from "zod";
import { exportJsonSchema } from "../core/config-file.ts";
import { calibrationSchema } from "./calibration.ts";
import { hardwareSpecSchema, KV_PRECISIONS, modelSpecSchema, PRECISION_IDS } from "./catalog-types.ts";
import { tcoSchema } from "./tco.ts";

const rate = z.number().positive("must be > 0 (a rate of zero needs no hardware; remove the workload instead)");

/** How the load is stated: an arrival rate, or a daily volume with its peak-hour factor (how business owners count). */
export const loadSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("rate"),
    requestsPerSecond: rate,
    arrival: z.enum(["poisson", "constant"]).default("poisson"),
  }),
  z.object({
    kind: z.literal("daily"),
    requestsPerDay: rate,
    /** Peak-hour rate divided by the day's mean rate; capacity is sized for the peak. */
    peakToAverage: z.number().min(1).default(2),
    arrival: z.enum(["poisson", "constant"]).default("poisson"),
  }),
]);
export type LoadSpec = z.output<typeof loadSchema>;

export const workloadSchema = z.object({
  name: z.string().min(1),
  model: z.string().min(1),
  precision: z.enum(PRECISION_IDS).default("bf16"),
  kvPrecision: z.enum(KV_PRECISIONS).default("bf16"),
  load: loadSchema,
  inputTokens: z.number().int().positive(),
  outputTokens: z.number().int().positive(),
  /** Overrides the plan-wide SLO for this workload. */
  sloP95Ms: z.number().positive().optional(),
});
export type WorkloadSpec = z.output<typeof workloadSchema>;

export const planSchema = z.object({
  /** Hardware ids to compare; each workload is planned on each. */
  hardware: z.array(z.string().min(1)).min(1).default(["h100-sxm"]),
  slo: z.object({ p95Ms: z.number().positive() }),
  workloads: z.array(workloadSchema).min(1),
  deployment: z
    .object({
      /** Largest tensor-parallel group (devices per replica); default: one server. */
      maxTensorParallel: z.number().int().positive().optional(),
      maxBatch: z.number().int().positive().default(256),
      maxBatchedTokens: z.number().int().positive().default(8192),
      memoryUtilization: z.number().gt(0).max(1).default(0.9),
      runtimeReserveGb: z.number().nonnegative().default(2),
      /** Replicas tried before a workload is declared infeasible. */
      maxReplicas: z.number().int().positive().default(4096),
    })
    .default({ maxBatch: 256, maxBatchedTokens: 8192, memoryUtilization: 0.9, runtimeReserveGb: 2, maxReplicas: 4096 }),
  tco: tcoSchema.default({ amortizationYears: 3, energyUsdPerKwh: 0.15, pue: 1.4, opexFractionPerYear: 0.1, hostPowerFraction: 0.25 }),
  simulation: z
    .object({
      requests: z.number().int().min(100).default(2000),
      lengthSpread: z.number().min(0).lt(1).default(0.5),
      seed: z.number().int().default(1),
    })
    .default({ requests: 2000, lengthSpread: 0.5, seed: 1 }),
  catalog: z
    .object({ hardware: z.array(hardwareSpecSchema).default([]), models: z.array(modelSpecSchema).default([]) })
    .default({ hardware: [], models: [] }),
  calibration: calibrationSchema.partial().optional(),
});
export type PlanConfig = z.output<typeof planSchema>;
export type PlanConfigInput = z.input<typeof planSchema>;

export const PLAN_SCHEMA_ID = "https://frugal.dev/schemas/plan.json";

/** JSON Schema of plan.yaml, for `# yaml-language-server: $schema=...` and the `frugal schema` command. */
export function planJsonSchema(): Record<string, unknown> {
  return exportJsonSchema(planSchema, PLAN_SCHEMA_ID);
}
