/**
 * Reads and checks a results.json before rendering it. The report trusts nothing it did not check: a file from another
 * tool, an older schema or a hand-edited figure fails here with the key path, not as a blank chart in a browser.
 */
import { z } from "zod";
import { describeZodError, formatKeyPath, readTextFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { RESULTS_SCHEMA, type PocResults } from "../results/types.ts";
import { loopResultSchema } from "../improve/loop-table.ts";

const provenance = z.enum(["measured", "modeled", "not_measured"]);
const figureProvenance = z.enum(["measured", "modeled", "not_measured", "mixed"]);
const part = z.looseObject({ source: z.string(), provenance, share: z.number().min(0).max(1).optional() });
const nullableNumber = z.number().nullable();

/** A 95% interval `[lo, hi]` (src/results/intervals.ts); files written before intervals have none. */
const interval = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, "an interval's lower bound must not exceed its upper bound");

const figure = z.looseObject({
  value: nullableNumber,
  provenance: figureProvenance,
  parts: z.array(part).optional(),
  note: z.string().optional(),
  ci95: interval.nullable().optional(),
  ci95_n: z.number().int().min(0).optional(),
});
const fraction = z.number().min(0).max(1);

const latency = z.looseObject({
  p50: nullableNumber,
  p95: nullableNumber,
  p99: nullableNumber,
  provenance: figureProvenance,
  parts: z.array(part).optional(),
  note: z.string().optional(),
  percentiles: z.array(z.looseObject({ p: z.number().gt(0).lt(100), ms: z.number().min(0) })).optional(),
});

const pipeline = z.looseObject({
  name: z.string().min(1),
  tiers: z.array(z.looseObject({ name: z.string(), kind: z.string(), model: z.string().optional() })),
  metrics: z.looseObject({
    quality: figure,
    cost_per_request_usd: figure,
    latency_ms: latency,
    kwh_per_1000: figure,
    tier_share: z.record(z.string(), fraction),
    cache_hit_rate: fraction,
    escalation_rate: fraction,
    slo_attainment: fraction.optional(),
    failed_requests: z.number().int().min(0).optional(),
    unscored_items: z.number().int().min(0).optional(),
  }),
});

const planningCell = z.union([z.string(), z.number(), z.boolean(), z.null(), figure]);

const resultsSchema = z.looseObject({
  schema: z.literal(RESULTS_SCHEMA),
  task: z.looseObject({ name: z.string(), kind: z.enum(["classify", "extract", "chat"]), n_items: z.number().int().min(0) }),
  pipelines: z.array(pipeline).min(1),
  sweep: z.array(
    z.looseObject({ threshold: z.number(), coverage: fraction, quality: nullableNumber, cost_per_request_usd: nullableNumber }),
  ),
  recommendation: z.record(z.string(), z.unknown()),
  slo: z.looseObject({ p95_ms: z.number().positive() }).optional(),
  measure_with: z.array(z.looseObject({ env: z.array(z.string()), makes_measured: z.string() })).optional(),
  failures: z
    .array(
      z.looseObject({
        item: z.string(),
        pipeline: z.string(),
        stage: z.enum(["request", "scoring"]),
        message: z.string(),
        tier: z.string().optional(),
        code: z.string().optional(),
      }),
    )
    .optional(),
  planning: z
    .looseObject({ title: z.string().optional(), rows: z.array(z.record(z.string(), planningCell)), notes: z.array(z.string()).optional() })
    .optional(),
  extraction: z
    .looseObject({
      fields: z.array(z.string()),
      pipelines: z.array(z.looseObject({ name: z.string(), field_accuracy: z.record(z.string(), figure), mean_field_accuracy: figure.optional() })),
    })
    .optional(),
  improvement_loop: loopResultSchema.optional(),
  gpu_telemetry: z
    .looseObject({
      samples: z
        .array(z.looseObject({ t_s: z.number(), utilization_pct: nullableNumber, memory_used_mib: nullableNumber, power_w: nullableNumber }))
        .optional(),
    })
    .optional(),
});

/** Checks a parsed results object; `source` names the file in the error. */
export function parseResults(value: unknown, source = "results"): PocResults {
  if (value !== null && typeof value === "object" && "schema" in value && value.schema !== RESULTS_SCHEMA) {
    throw new FrugalError(
      "input_invalid",
      `${source}: schema is ${JSON.stringify(value.schema)}, this frugal reads "${RESULTS_SCHEMA}" (a newer frugal may have written it)`,
      { details: { file: source, keyPath: "schema" } },
    );
  }
  const result = resultsSchema.safeParse(value);
  if (!result.success) {
    const lines = describeZodError(result.error);
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more)` : "";
    throw new FrugalError("input_invalid", `${source}: not a frugal results file: ${lines[0] ?? "invalid"}${more}`, {
      details: { file: source, issues: lines, keyPath: formatKeyPath(result.error.issues[0]?.path ?? []) },
    });
  }
  // The schema checked the contract's keys and kept the others (loose objects), so the parsed value is the PocResults shape.
  return result.data as PocResults;
}

export function readResultsFile(file: string): PocResults {
  const text = readTextFile(file, "results file");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FrugalError("input_invalid", `${file}: not valid JSON: ${reason}`, { details: { file } });
  }
  return parseResults(parsed, file);
}
