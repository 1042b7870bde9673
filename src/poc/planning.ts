/**
 * The report's planning section: for each pipeline that calls an LLM, the planner sizes the GPUs that LLM needs at the
 * call rate the PoC observed (the frugal chain sends it only its escalations), with energy, models per server and cloud
 * vs on-premise cost — all `modeled`, except what GPU telemetry measured during the run.
 *
 * The summary is per request, so the plan is too: the planner's per-LLM-call energy and cost are multiplied by the LLM
 * calls each request made (measured), and the one per-call figure left, the P95 of an LLM call on the planned fleet, says
 * so in its key. Each figure's note says how it differs from the summary's figure of the same name (another deployment:
 * a self-hosted fleet sized to the SLO, not the priced endpoint the summary models).
 */
import { isFrugalError } from "../core/errors.ts";
import { measured, modeled, notMeasured, type Figure } from "../core/provenance.ts";
import type { GpuTelemetrySummary } from "../meter/gpu-telemetry.ts";
import { planForPoc, type PocPlanPipeline, type PocPlanRow } from "../plan/index.ts";
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
  const callsPerRequest = new Map<string, number>();
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
    callsPerRequest.set(outcome.name, steps.length / outcome.records.length);
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
    const rows = section.rows.map((row) => perRequestRow(row, callsPerRequest.get(row.pipeline) ?? 0, pipelines.find((p) => p.name === row.pipeline)?.llmRequestsPerSecond ?? 0));
    return {
      title: "Planning (modeled): self-hosting the LLM for this traffic",
      rows,
      notes: [
        ...notes,
        ...section.notes,
        "Per request, like the summary: the fleet's energy and cost per LLM call × the LLM calls each request made. The P95 is of one LLM call on the planned fleet.",
        ...pipelines.map((p) => `${p.name}: ${p.llmRequestsPerSecond.toFixed(2)} LLM calls/s observed, ${p.avgInputTokens.toFixed(0)} input / ${p.avgOutputTokens.toFixed(1)} output tokens per call`),
      ],
    };
  } catch (error) {
    if (!isFrugalError(error)) throw error;
    return { title: "Planning (modeled)", rows: [], notes: [...notes, `the planner could not size these pipelines: ${error.message}`] };
  }
}

/** A figure of the planner's per LLM call, per request instead: × the LLM calls a request made. */
function perRequest(figure: Figure, calls: number, note: string): Figure {
  if (figure.value === null) return figure;
  return modeled(figure.value * calls, note);
}

/** The planner's row, in the summary's units and with keys that name them. */
function perRequestRow(row: PocPlanRow, calls: number, rate: number): PlanningSection["rows"][number] {
  const times = `${calls.toFixed(3)} LLM calls per request`;
  return {
    pipeline: row.pipeline,
    model: row.model,
    precision: row.precision,
    gpu: row.gpu,
    feasible: row.feasible,
    ...(row.reason !== undefined ? { reason: row.reason } : {}),
    tp: row.tp,
    llm_calls_per_request: measured(calls, "LLM calls made ÷ requests sent, this run"),
    llm_calls_per_s: rate > 0 ? measured(rate, "the rate the fleet is sized for") : notMeasured("no LLM calls"),
    gpus: row.gpus,
    gpu_busy_fraction: row.gpuBusyFraction,
    models_per_server: row.modelsPerServer,
    llm_call_p95_ms: row.p95LatencyMs.value === null ? row.p95LatencyMs : modeled(row.p95LatencyMs.value, "one LLM call on the planned fleet at the observed call rate, queueing included (simulated). Not the summary's P95, which is per request end to end, with the LLM tier's latency modeled as a mean without a fleet's queueing"),
    kwh_per_1000_requests: perRequest(row.kwhPer1000Requests, calls, `the fleet's facility energy (accelerators + host, × PUE, idle capacity included) per LLM call × ${times}. The summary's kWh prices each call's tokens with the meter's J/token profile (accelerators, busy time only)`),
    cloud_usd_per_1000_requests: perRequest(row.cloudUsdPer1000Requests, calls, `renting the planned GPUs by the hour, per LLM call × ${times}. The summary's cost is the endpoint's per-token list price`),
    on_prem_usd_per_1000_requests: perRequest(row.onPremUsdPer1000Requests, calls, `owning the planned GPUs (amortized + power), per LLM call × ${times}`),
    break_even_month: row.breakEvenMonth,
  };
}
