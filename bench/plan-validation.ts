/**
 * Planner vs published measurements (no GPU was available to this project; see bench/notes/plan.md). Prints, for each
 * published figure, the planner's figure and the error, then the share of "check" rows within ±20% (the issue's target).
 *
 *   node --import tsx bench/plan-validation.ts          # table + summary with the default calibration
 *   node --import tsx bench/plan-validation.ts --fit    # refit the calibration on the "calibrate" rows, print it, re-check
 *   node --import tsx bench/plan-validation.ts --json   # one JSON object
 */
import { DEFAULT_CALIBRATION, type Calibration } from "../src/plan/calibration.ts";
import { createCatalog } from "../src/plan/catalog.ts";
import { resolveDeployment } from "../src/plan/deployment.ts";
import { decodeStep, mixedStep, prefillStep } from "../src/plan/perf-model.ts";
import { POINTS, SOURCES, type PublishedPoint } from "./plan-validation-data.ts";

const catalog = createCatalog();

export function modeledValue(p: PublishedPoint, calibration: Calibration): number {
  const d = resolveDeployment({ catalog, gpu: p.gpu, model: p.model, precision: p.precision, kvPrecision: p.kvPrecision, tp: p.tp, calibration });
  const s = p.scenario;
  switch (s.kind) {
    case "static": {
      const prefill = prefillStep(d, { batch: s.batch, promptTokens: s.input }).ms;
      const decode = decodeStep(d, { batch: s.batch, context: s.input + s.output / 2 }).ms * (s.output - 1);
      const tokS = (s.batch * s.output) / ((prefill + decode) / 1000);
      return p.metric === "throughput_tok_s_per_gpu" ? tokS / d.tp : tokS;
    }
    case "serving": {
      // Steady state: B sequences decode while the prompts of their replacements go through the same steps.
      const step = mixedStep(d, {
        prefillTokens: (s.batch * s.input) / s.output,
        prefillAvgPrompt: s.input,
        decodeBatch: s.batch,
        decodeContext: s.input + s.output / 2,
        prefillSequences: s.batch / s.output,
      });
      if (p.metric === "step_ms") return step.ms;
      if (p.metric === "power_w_total") return step.powerW * d.tp;
      if (p.metric === "j_per_token") return step.energyJ / s.batch;
      return (s.batch * 1000) / step.ms;
    }
    case "itl": {
      // Each other request's prompt passes once during this request's decode: spread over its output tokens.
      const decode = decodeStep(d, { batch: s.concurrency, context: s.input + s.output / 2 }).ms;
      const stalls = ((s.concurrency - 1) * prefillStep(d, { batch: 1, promptTokens: s.input }).ms) / (s.output - 1);
      return decode + stalls;
    }
    case "ttft":
      return prefillStep(d, { batch: 1, promptTokens: s.prompt }).ms;
  }
}

const TIME_METRICS = new Set(["throughput_tok_s", "throughput_tok_s_per_gpu", "step_ms", "itl_ms", "ttft_ms"]);
const POWER_METRICS = new Set(["power_w_total"]);

function loss(points: PublishedPoint[], calibration: Calibration): number {
  let sum = 0;
  for (const p of points) sum += Math.log(modeledValue(p, calibration) / p.value) ** 2;
  return sum / Math.max(1, points.length);
}

type Key = keyof Calibration;
const RANGES: Array<[Key, number, number]> = [
  ["bandwidthEfficiency", 0.5, 0.95],
  ["kvBandwidthEfficiency", 0.3, 0.95],
  ["prefillComputeEfficiency", 0.3, 0.9],
  ["decodeComputeEfficiency", 0.2, 0.9],
  ["overlap", 0, 1],
  ["stepOverheadMs", 0, 5],
  ["sequenceOverheadUs", 0, 60],
  ["allReduceLatencyUs", 0, 40],
];
const POWER_RANGES: Array<[Key, number, number]> = [
  ["powerMemoryWeight", 0, 2],
  ["powerComputeWeight", 0, 4],
];

/** Coordinate descent over a grid per parameter: small, deterministic, good enough for a handful of parameters. */
function fit(start: Calibration, ranges: Array<[Key, number, number]>, points: PublishedPoint[]): Calibration {
  let best = { ...start };
  let bestLoss = loss(points, best);
  for (let round = 0; round < 6; round++) {
    for (const [key, lo, hi] of ranges) {
      for (let i = 0; i <= 60; i++) {
        const candidate = { ...best, [key]: lo + ((hi - lo) * i) / 60 };
        const l = loss(points, candidate);
        if (l < bestLoss - 1e-12) {
          best = candidate;
          bestLoss = l;
        }
      }
    }
  }
  return best;
}

function describe(p: PublishedPoint): string {
  const s = p.scenario;
  if (s.kind === "static") return `static B=${s.batch} ${s.input}/${s.output}`;
  if (s.kind === "serving") return `serving B=${s.batch} ~${s.input}/${s.output}`;
  if (s.kind === "itl") return `C=${s.concurrency} ${s.input}/${s.output}`;
  return `B=1 prompt ${s.prompt}`;
}

function main(): void {
  const args = process.argv.slice(2);
  let calibration = DEFAULT_CALIBRATION;
  if (args.includes("--fit")) {
    const timeRows = POINTS.filter((p) => p.role === "calibrate" && TIME_METRICS.has(p.metric));
    const powerRows = POINTS.filter((p) => p.role === "calibrate" && POWER_METRICS.has(p.metric));
    calibration = fit(calibration, RANGES, timeRows);
    calibration = fit(calibration, POWER_RANGES, powerRows);
  }
  const rows = POINTS.map((p) => {
    const model = modeledValue(p, calibration);
    return { ...p, scenarioText: describe(p), modeled: model, errorPct: ((model - p.value) / p.value) * 100 };
  });
  const summarize = (selected: typeof rows) => {
    const errs = selected.map((r) => Math.abs(r.errorPct)).sort((a, b) => a - b);
    return {
      n: selected.length,
      within20: selected.filter((r) => Math.abs(r.errorPct) <= 20).length,
      medianAbsErrorPct: errs[Math.floor(errs.length / 2)] ?? null,
      maxAbsErrorPct: errs[errs.length - 1] ?? null,
    };
  };
  const groups: Record<string, ReturnType<typeof summarize>> = {};
  const isTime = (r: (typeof rows)[number]) => TIME_METRICS.has(r.metric);
  for (const role of ["calibrate", "check"] as const) {
    for (const kind of ["time", "energy"] as const) {
      const sel = rows.filter((r) => r.role === role && (kind === "time") === isTime(r));
      if (sel.length > 0) groups[`${role}/${kind}`] = summarize(sel);
    }
  }
  groups["check/time excl. engineIssue"] = summarize(rows.filter((r) => r.role === "check" && isTime(r) && r.engineIssue === undefined));
  for (const gpu of ["h100-sxm", "h200"]) {
    for (const precision of ["bf16", "fp8"]) {
      const sel = rows.filter((r) => r.role === "check" && r.gpu === gpu && r.precision === precision && r.engineIssue === undefined);
      if (sel.length > 0) groups[`check ${gpu} ${precision}`] = summarize(sel);
    }
  }
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ calibration, sources: SOURCES, rows, summary: groups }, null, 2)}\n`);
    return;
  }
  const header = ["source", "gpu", "model", "prec", "tp", "scenario", "metric", "published", "planner", "error", "role"];
  const table = rows.map((r) => [
    r.source,
    r.gpu,
    r.model,
    r.precision,
    String(r.tp),
    r.scenarioText,
    r.metric,
    r.value.toPrecision(4),
    r.modeled.toPrecision(4),
    `${r.errorPct >= 0 ? "+" : ""}${r.errorPct.toFixed(1)}%`,
    r.engineIssue === undefined ? r.role : `${r.role}*`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(line(header));
  for (const t of table) console.log(line(t));
  console.log("\ncalibration:", JSON.stringify(calibration));
  for (const [name, g] of Object.entries(groups)) {
    console.log(`${name.padEnd(30)} n=${g.n}  within ±20%: ${g.within20}/${g.n}  median |error| ${g.medianAbsErrorPct?.toFixed(1)}%  max ${g.maxAbsErrorPct?.toFixed(1)}%`);
  }
  console.log("* engine issue stated by the source:", [...new Set(rows.map((r) => r.engineIssue).filter(Boolean))].join("; "));
  console.log("\nAll published figures are third-party measurements (sources in bench/plan-validation-data.ts); planner figures are modeled.");
}

if (import.meta.url === `file://${process.argv[1]}`) main();
