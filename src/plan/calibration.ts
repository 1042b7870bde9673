/**
 * The planner's few free parameters. Everything else comes from datasheets and model shapes; these say how far real
 * kernels fall short of the datasheet. The defaults were fitted (`node --import tsx bench/plan-validation.ts --fit`, then
 * rounded) on the published measurements marked "calibrate" in bench/plan-validation-data.ts: TensorRT-LLM and vLLM on
 * H100, fp8 and bf16. The rows marked "check" (including every H200 row) were not used; bench/notes/plan.md has both.
 * A plan.yaml can override any of them (`calibration:`), e.g. after measuring its own engine.
 */
import { z } from "zod";

export const calibrationSchema = z.object({
  /** Fraction of peak memory bandwidth a forward step reaches when streaming the weights (large, contiguous reads). */
  bandwidthEfficiency: z.number().gt(0).max(1).default(0.72),
  /** Fraction of peak bandwidth attention reaches reading the KV cache; fitted apart from weights (different kernels). */
  kvBandwidthEfficiency: z.number().gt(0).max(1).default(0.86),
  /** Fraction of peak tensor throughput reached by the large GEMMs of a prefill. */
  prefillComputeEfficiency: z.number().gt(0).max(1).default(0.44),
  /** Fraction of peak tensor throughput reached by decode GEMMs once they are compute-bound (large batches). */
  decodeComputeEfficiency: z.number().gt(0).max(1).default(0.34),
  /**
   * How much memory traffic and math overlap within a step: 1 = ideal roofline (time = the slower of the two), 0 = none
   * (time = their sum). Skinny decode GEMMs overlap imperfectly, which is what makes the memory→compute transition gradual.
   */
  overlap: z.number().min(0).max(1).default(0.5),
  /** Fixed time per forward step: kernel launches, sampling, scheduling. */
  stepOverheadMs: z.number().nonnegative().default(0.58),
  /** Time per sequence per step the engine spends outside the roofline (scheduling, sampling, detokenizing). */
  sequenceOverheadUs: z.number().nonnegative().default(0),
  /** Latency of one all-reduce in a tensor-parallel group; two per layer per step. */
  allReduceLatencyUs: z.number().nonnegative().default(22),
  /**
   * Utilization→power: P = idle + (TDP − idle) · min(1, memoryWeight · a_mem + computeWeight · a_compute), where a_mem and
   * a_compute are the step's achieved fractions of peak bandwidth and peak FLOPs. Linear in activity because dynamic power
   * is energy per byte moved plus energy per FLOP; capped at TDP because the board throttles there.
   */
  powerMemoryWeight: z.number().nonnegative().default(1),
  powerComputeWeight: z.number().nonnegative().default(2),
});

export type Calibration = z.output<typeof calibrationSchema>;
export type CalibrationInput = z.input<typeof calibrationSchema>;

export const DEFAULT_CALIBRATION: Calibration = calibrationSchema.parse({});

export function resolveCalibration(overrides: CalibrationInput | undefined): Calibration {
  return calibrationSchema.parse({ ...DEFAULT_CALIBRATION, ...(overrides ?? {}) });
}
