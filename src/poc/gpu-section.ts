/**
 * The `gpu_telemetry` section of results.json: nvidia-smi's summary figures (measured) and, when telemetry ran, a bounded
 * time series the report charts (utilization and power over the run). A long run at nvidia-smi's interval yields
 * thousands of rows per GPU; the series keeps at most `maxPoints` points, averaging consecutive readings, so results.json
 * stays small whatever the run's length, and a short run keeps every reading.
 */
import type { Figure } from "../core/provenance.ts";
import { maxOf, mean, type GpuSample } from "../meter/gpu-telemetry-parse.ts";
import type { GpuTelemetrySummary } from "../meter/gpu-telemetry.ts";
import type { GpuTelemetrySample, GpuTelemetrySection } from "../results/types.ts";

export const MAX_GPU_SERIES_POINTS = 500;

/**
 * One interval's rows, one per GPU, combined: utilization averaged over GPUs, power summed (the board power of the whole
 * run), memory the busiest GPU's (as the summary's peak: what a model must fit in is one GPU's memory).
 */
interface Reading {
  atMs: number;
  utilization: number | null;
  memory: number | null;
  power: number | null;
}

/** A sum over GPUs is unknown when any GPU's value is: a partial sum would understate it. */
function sumOrNull(values: Array<number | null>): number | null {
  return values.length === 0 || values.some((v) => v === null) ? null : (values as number[]).reduce((a, b) => a + b, 0);
}

/**
 * nvidia-smi prints one row per GPU per interval, read line by line (so the rows of one interval have slightly different
 * read times): a reading ends where a GPU index repeats.
 */
export function groupReadings(rows: readonly GpuSample[]): Reading[] {
  const readings: Reading[] = [];
  let group: GpuSample[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    readings.push({
      atMs: group[0]?.atMs ?? 0,
      utilization: mean(group.flatMap((r) => (r.utilizationPct === null ? [] : [r.utilizationPct]))),
      memory: maxOrNull(group.map((r) => r.memoryUsedMiB)),
      power: sumOrNull(group.map((r) => r.powerW)),
    });
    group = [];
  };
  for (const row of rows) {
    if (group.some((r) => r.index === row.index)) flush();
    group.push(row);
  }
  flush();
  return readings;
}

function maxOrNull(values: Array<number | null>): number | null {
  return maxOf(values.filter((v): v is number => v !== null));
}

const round = (value: number | null, digits: number): number | null => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

/**
 * At most `maxPoints` points: consecutive readings averaged in equal-sized buckets (memory keeps the bucket's peak, the
 * figure capacity depends on). `t_s` is seconds since the first reading (telemetry starts once the tiers are ready).
 */
export function gpuSeries(rows: readonly GpuSample[], maxPoints = MAX_GPU_SERIES_POINTS): GpuTelemetrySample[] {
  const readings = groupReadings(rows);
  const first = readings[0];
  if (first === undefined || maxPoints < 1) return [];
  const size = Math.ceil(readings.length / maxPoints);
  const out: GpuTelemetrySample[] = [];
  for (let start = 0; start < readings.length; start += size) {
    const bucket = readings.slice(start, start + size);
    const known = (pick: (r: Reading) => number | null): number[] => bucket.flatMap((r) => (pick(r) === null ? [] : [pick(r) as number]));
    const memory = known((r) => r.memory);
    out.push({
      t_s: round(((mean(bucket.map((r) => r.atMs)) ?? first.atMs) - first.atMs) / 1000, 3) as number,
      utilization_pct: round(mean(known((r) => r.utilization)), 1),
      memory_used_mib: maxOf(memory),
      power_w: round(mean(known((r) => r.power)), 1),
    });
  }
  return out;
}

/** A reading the driver did not give (a board without power sensors) is unknown, not a measured zero. */
const measured = (value: number | null): Figure => (value === null ? { value: null, provenance: "not_measured", note: "the driver did not report it" } : { value, provenance: "measured" });

export function gpuTelemetrySection(gpu: GpuTelemetrySummary): GpuTelemetrySection {
  if (gpu.provenance !== "measured") return { source: "nvidia-smi", utilization_pct: { value: null, provenance: "not_measured", note: gpu.reason ?? "no GPU" } };
  const samples = gpuSeries(gpu.rows ?? []);
  return {
    source: "nvidia-smi",
    gpus: gpu.gpus.map((g) => g.name ?? String(g.index)),
    utilization_pct: measured(gpu.meanUtilizationPct),
    memory_used_mib: measured(gpu.peakMemoryUsedMiB),
    power_w: measured(gpu.meanPowerW),
    energy_kwh: measured(gpu.energyJ === null ? null : gpu.energyJ / 3.6e6),
    ...(samples.length > 0
      ? {
          samples,
          samples_note: `nvidia-smi readings, ${samples.length} points (at most ${MAX_GPU_SERIES_POINTS}, consecutive readings averaged): utilization averaged over GPUs, power summed, memory of the busiest GPU; t_s from the first reading`,
        }
      : {}),
    ...(gpu.complete ? {} : { coverage_note: `telemetry did not cover the whole run: ${gpu.notes.join("; ")}` }),
  };
}
