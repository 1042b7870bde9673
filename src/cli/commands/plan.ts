/**
 * `frugal plan <plan.yaml>`, `frugal plan decode ...`, `frugal plan prefill ...`: thin wrappers over src/plan. Tables go to
 * stdout, the progress bar to stderr; `--json` prints exactly one JSON object.
 */
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import type { KvPrecision } from "../../plan/catalog-types.ts";
import type { PointCommon } from "../../plan/point-estimates.ts";
import { createProgressBar } from "../progress.ts";
import { numberOption, runCommand } from "../run-command.ts";

// The planner and the config loader are imported by the actions that use them, so `frugal --help` and other commands do
// not load them.

interface PointFlags {
  gpu: string;
  model: string;
  precision: string;
  batch: string;
  tp?: string;
  kvPrecision?: string;
}

async function kvPrecision(raw: string | undefined): Promise<KvPrecision | undefined> {
  if (raw === undefined) return undefined;
  const { KV_PRECISIONS } = await import("../../plan/catalog-types.ts");
  if (!(KV_PRECISIONS as readonly string[]).includes(raw)) {
    throw new FrugalError("input_invalid", `--kv-precision: expected one of ${KV_PRECISIONS.join(", ")}, got "${raw}"`);
  }
  return raw as KvPrecision;
}

async function pointOptions(flags: PointFlags) {
  const tp = numberOption("--tp", flags.tp, { integer: true, min: 1 });
  const kv = await kvPrecision(flags.kvPrecision);
  return {
    gpu: flags.gpu,
    model: flags.model,
    precision: flags.precision,
    batch: numberOption("--batch", flags.batch, { integer: true, min: 1 }) as number,
    ...(tp === undefined ? {} : { tp }),
    ...(kv === undefined ? {} : { kvPrecision: kv }),
  };
}

function write(json: unknown): void {
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}

/** The JSON fields `plan decode` and `plan prefill` share, with the point's length (`context` or `prompt`) after `batch`. */
function pointJson(o: Awaited<ReturnType<typeof pointOptions>>, e: PointCommon, length: Record<string, number>): Record<string, unknown> {
  return {
    fits: e.fits,
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    gpu: o.gpu,
    model: o.model,
    precision: o.precision,
    batch: o.batch,
    ...length,
    tp: e.tp,
    gpus: e.gpus,
    // A step that cannot run has no bound nor power draw to report.
    ...(e.fits ? { bound: e.bound, power_w_per_gpu: e.powerWPerGpu } : {}),
    weights_gb: e.weightsGb,
    kv_gb: e.kvGb,
    kv_available_gb: e.kvAvailableGb,
    provenance: e.provenance,
    assumptions: e.assumptions,
  };
}

function pointCommand(plan: Command, name: string, description: string): Command {
  return plan
    .command(name)
    .description(description)
    .requiredOption("--gpu <id>", "hardware id (h100-sxm, h200, a100-80gb, l40s, l4, cpu)")
    .requiredOption("--model <id>", "model id (llama-3.2-1b, llama-3.1-8b, llama-3.1-70b, mixtral-8x7b, ...)")
    .requiredOption("--precision <p>", "bf16, fp8, int8 or int4")
    .requiredOption("--batch <B>", "sequences in the batch")
    .option("--tp <n>", "tensor-parallel degree (default: the smallest that fits)")
    .option("--kv-precision <p>", "KV-cache precision: bf16 (default) or fp8")
    .option("--json", "print one JSON object");
}

type PointLib = typeof import("../../plan/point-estimates.ts") & Pick<typeof import("../../plan/format-plan.ts"), "fmt">;
/** `infeasible`: the KV cache does not fit, so there is no step time to give: the line that says why (exit 4). */
type PointAnswer = (lib: PointLib, o: Awaited<ReturnType<typeof pointOptions>>, length: number) => { json: Record<string, unknown>; text: string; infeasible?: string };

/**
 * The action `plan decode` and `plan prefill` share: parse the flags, estimate, print one JSON object or the text. A point
 * whose KV cache does not fit prints no step time (the batch cannot run): `fits: false` and why, exit 4 (plan_infeasible);
 * with --json the object (fits, reason, sizes) is still printed first.
 */
function pointAction(lengthFlag: "context" | "prompt", answer: PointAnswer) {
  return runCommand(async (flags: PointFlags & Partial<Record<"context" | "prompt", string>>, command: Command) => {
    // `--json` after the subcommand is also claimed by the parent `plan` command: read both.
    const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
    const length = numberOption(`--${lengthFlag}`, flags[lengthFlag], { integer: true, min: 1 }) as number;
    const o = await pointOptions(flags);
    const [estimates, { fmt }] = await Promise.all([import("../../plan/point-estimates.ts"), import("../../plan/format-plan.ts")]);
    const out = answer({ ...estimates, fmt }, o, length);
    if (json) write(out.json);
    else if (out.infeasible === undefined) process.stdout.write(out.text);
    if (out.infeasible !== undefined) throw new FrugalError("plan_infeasible", out.infeasible, { details: out.json });
  });
}

export function registerPlanCommand(program: Command): void {
  const plan = program
    .command("plan")
    .description("capacity, energy and TCO: GPUs needed at a P95 SLO, models per server, kWh, cloud vs on-premise (all modeled)")
    .argument("[plan.yaml]", "plan file (see examples/plan/plan.yaml)")
    .option("--json", "print one JSON object")
    .action(
      runCommand(async (file: string | undefined, flags: { json?: boolean }) => {
        if (file === undefined) {
          throw new FrugalError("input_invalid", "give a plan file (frugal plan examples/plan/plan.yaml) or a subcommand: decode, prefill");
        }
        const [{ loadConfigFile }, { planSchema }, { runPlan }, { formatPlanReport }] = await Promise.all([
          import("../../core/config-file.ts"),
          import("../../plan/plan-schema.ts"),
          import("../../plan/run-plan.ts"),
          import("../../plan/format-plan.ts"),
        ]);
        const config = loadConfigFile(planSchema, file);
        const bar = createProgressBar("plan", config.workloads.length * config.hardware.length);
        let report;
        try {
          report = runPlan(config, { onProgress: (done, total) => bar.update(done, total) });
        } finally {
          bar.stop();
        }
        if (flags.json === true) write({ schema: "frugal.plan/v1", ...report });
        else process.stdout.write(`${formatPlanReport(report)}\n`);
      }),
    );

  pointCommand(plan, "decode", "one decode step: step time, tokens/s and J/token at a batch and context length")
    .requiredOption("--context <tokens>", "tokens of context per sequence")
    .action(
      pointAction("context", ({ estimateDecode, fmt }, o, context) => {
        const e = estimateDecode({ ...o, context });
        const sizes = { kv_capacity_tokens: e.kvCapacityTokens, max_batch_at_context: e.maxBatchAtContext };
        if (!e.fits) {
          return {
            json: { ...pointJson(o, e, { context }), ...sizes },
            text: "",
            infeasible:
              `fits: false: ${e.reason}; ` +
              (e.maxBatchAtContext > 0 ? `largest batch at context ${context}: ${e.maxBatchAtContext}` : `not even one sequence of ${context} tokens fits`) +
              " (no step time: this batch cannot run)",
          };
        }
        return {
          json: { step_ms: e.stepMs, tokens_per_s: e.tokensPerS, j_per_token: e.jPerToken, ...pointJson(o, e, { context }), ...sizes },
          text:
            `decode step ${fmt(e.stepMs)} ms (${e.bound}-bound) on ${e.tp} x ${o.gpu}: ${fmt(e.tokensPerS)} tokens/s, ` +
            `${fmt(e.jPerToken)} J/token, ${fmt(e.powerWPerGpu)} W per GPU [modeled]\n` +
            `fits: weights ${fmt(e.weightsGb)} GB + KV ${fmt(e.kvGb)} GB\n`,
        };
      }),
    );

  pointCommand(plan, "prefill", "one prefill: time, tokens/s and J/token for a batch of prompts")
    .requiredOption("--prompt <tokens>", "tokens per prompt")
    .action(
      pointAction("prompt", ({ estimatePrefill, fmt }, o, prompt) => {
        const e = estimatePrefill({ ...o, prompt });
        if (!e.fits) return { json: pointJson(o, e, { prompt }), text: "", infeasible: `fits: false: ${e.reason} (no prefill time: this batch cannot run)` };
        return {
          json: { ms: e.ms, tokens_per_s: e.tokensPerS, j_per_token: e.jPerToken, ...pointJson(o, e, { prompt }) },
          text: `prefill ${fmt(e.ms)} ms (${e.bound}-bound) on ${e.tp} x ${o.gpu}: ${fmt(e.tokensPerS)} prompt tokens/s, ${fmt(e.jPerToken)} J/token [modeled]\n`,
        };
      }),
    );
}
