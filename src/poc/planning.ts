/**
 * The report's planning section: for each pipeline that calls an LLM, the planner sizes the GPUs that LLM needs at the
 * call rate the PoC observed (the frugal chain sends it only its escalations), with energy, models per server and cloud
 * vs on-premise cost — all `modeled`, except what GPU telemetry measured during the run.
 */
import { isFrugalError } from "../core/errors.ts";
import type { GpuTelemetrySummary } from "../meter/gpu-telemetry.ts";
import { planForPoc, type PocPlanPipeline } from "../plan/index.ts";
import type { PocConfig } from "./config.ts";
import type { PipelineOutcome } from "./results.ts";
import type { PlanningSection } from "../results/types.ts";
import type { PipelineRun } from "./run-pipeline.ts";

export interface PlanningInput {
  config: PocConfig;
  outcomes: PipelineOutcome[];
  runs: Map<string, PipelineRun>;
  gpu: GpuTelemetrySummary;
}

export function planningSection(input: PlanningInput): PlanningSection {
  const { config } = input;
  const notes: string[] = [];
  const pipelines: PocPlanPipeline[] = [];
  for (const outcome of input.outcomes) {
    const llm = outcome.tiers.find((t) => t.kind === "llm");
    if (llm === undefined || outcome.records.length === 0) continue;
    const tierConfig = config.tiers[llm.name];
    if (tierConfig?.kind !== "llm" || tierConfig.provider === "llama-cpp") continue;
    const plannerModel = tierConfig.modeled.planner_model;
    if (plannerModel === undefined) {
      notes.push(`${outcome.name}: tier ${llm.name} names no modeled.planner_model, so the planner cannot size it`);
      continue;
    }
    const steps = outcome.records.flatMap((r) => r.steps.filter((s) => s.tier === llm.name && (s.outcome === "accepted" || s.outcome === "error")));
    const run = input.runs.get(outcome.name);
    const seconds =
      config.load.kind === "closed" ? (run?.load?.durationMs ?? 0) / 1000 : outcome.records.length / config.load.rate;
    const rate = seconds > 0 ? steps.length / seconds : 0;
    const mean = (xs: number[]): number => (xs.length === 0 ? 1 : xs.reduce((a, b) => a + b, 0) / xs.length);
    pipelines.push({
      name: outcome.name,
      llmRequestsPerSecond: rate,
      avgInputTokens: mean(steps.map((s) => s.tokens_in ?? 0)),
      avgOutputTokens: mean(steps.map((s) => s.tokens_out ?? 0)),
      model: plannerModel,
      precision: tierConfig.modeled.precision,
      gpu: tierConfig.modeled.gpu,
    });
  }
  if (pipelines.length === 0) return { title: "Planning (modeled)", rows: [], notes: [...notes, "no pipeline calls a planner-known LLM"] };
  try {
    const section = planForPoc({ pipelines, sloP95Ms: config.slo.p95_ms, telemetry: input.gpu, simulationRequests: 500 });
    const rows = section.rows.map((row) => {
      const { reason, ...rest } = row;
      return { ...rest, ...(reason !== undefined ? { reason } : {}) } as Record<string, PlanningSection["rows"][number][string]>;
    });
    return {
      title: "Planning (modeled)",
      rows,
      notes: [...notes, ...section.notes, ...pipelines.map((p) => `${p.name}: ${p.llmRequestsPerSecond.toFixed(2)} LLM calls/s observed, ${p.avgInputTokens.toFixed(0)} input / ${p.avgOutputTokens.toFixed(1)} output tokens per call`)],
    };
  } catch (error) {
    if (!isFrugalError(error)) throw error;
    return { title: "Planning (modeled)", rows: [], notes: [...notes, `the planner could not size these pipelines: ${error.message}`] };
  }
}
