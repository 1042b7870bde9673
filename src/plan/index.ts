/** The planner's public API: catalogs, the roofline, the continuous-batching simulation, capacity, TCO, plan.yaml, PoC hooks. */
export { createCatalog, type Catalog, type CatalogOptions } from "./catalog.ts";
export type { HardwareSpec, ModelSpec, PrecisionSpec, PrecisionId, KvPrecision } from "./catalog-types.ts";
export { hardwareSpecSchema, modelSpecSchema, PRECISION_IDS, KV_PRECISIONS } from "./catalog-types.ts";
export { DEFAULT_CALIBRATION, resolveCalibration, calibrationSchema, type Calibration, type CalibrationInput } from "./calibration.ts";
export { resolveDeployment, type Deployment, type DeploymentOptions } from "./deployment.ts";
export { decodeStep, prefillStep, mixedStep, kvLimitedBatch, devicePowerW, type StepEstimate } from "./perf-model.ts";
export { expectedExpertsTouched, paramCounts, weightBytes, kvBytesPerToken } from "./model-math.ts";
export { simulate, percentiles, type SimulationOptions, type SimulationResult } from "./simulate.ts";
export { findCapacity, modelsPerServer, unloadedLatencyMs, type CapacityOptions, type CapacityResult } from "./capacity.ts";
export { computeTco, tcoSchema, type TcoInputs, type TcoOptions, type TcoResult } from "./tco.ts";
export { planSchema, planJsonSchema, PLAN_SCHEMA_ID, type PlanConfig, type PlanConfigInput } from "./plan-schema.ts";
export { runPlan, type PlanReport, type PlanRow } from "./run-plan.ts";
export { formatPlanReport } from "./format-plan.ts";
export { estimateDecode, estimatePrefill, type DecodeEstimate, type PrefillEstimate } from "./point-estimates.ts";
export {
  estimateLlmRequest,
  planForPoc,
  type LlmRequestEstimate,
  type LlmRequestEstimateOptions,
  type PocPlanOptions,
  type PocPlanPipeline,
  type PocPlanRow,
  type PocPlanSection,
} from "./poc-api.ts";
