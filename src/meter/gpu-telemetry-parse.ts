/**
 * Parsing `nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,power.draw,total_energy_consumption
 * --format=csv,noheader,nounits` lines, and summarizing samples. Drivers print "[N/A]", "[Not Supported]", "[Unknown
 * Error]" (or nothing) for fields a board does not expose, and older drivers keep units despite `nounits`: every field is
 * parsed on its own and an unreadable one is null, never 0, so a missing power reading cannot pass for an idle GPU.
 */

export const QUERY_FIELDS = ["index", "name", "utilization.gpu", "memory.used", "memory.total", "power.draw", "total_energy_consumption"] as const;

export interface GpuSample {
  /** Local clock (ms, monotonic) when the line was read. */
  atMs: number;
  index: number;
  name: string;
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  powerW: number | null;
  /** Energy counter since the driver loaded, millijoules (Volta and newer). */
  energyMj: number | null;
}

/** A numeric field, or null for N/A-style placeholders and garbage. Tolerates a trailing unit ("245.31 W", "81559 MiB"). */
export function parseField(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const text = raw.trim();
  if (text === "" || text.startsWith("[") || /^n\/?a$/i.test(text)) return null;
  const match = /^(-?\d+(?:\.\d+)?)\s*[A-Za-z%]*$/.exec(text);
  if (match === null) return null;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : null;
}

/** One CSV line → a sample, or null when the line is not a GPU row (a header, a warning, a blank line). */
export function parseSampleLine(line: string, atMs: number): GpuSample | null {
  const cells = line.split(",").map((c) => c.trim());
  if (cells.length < QUERY_FIELDS.length) return null;
  const index = parseField(cells[0]);
  if (index === null || !Number.isInteger(index) || index < 0) return null;
  // A name could contain a comma: the first cell is the index, the last five are numbers, the rest is the name.
  const tail = cells.slice(-5);
  const name = cells.slice(1, cells.length - 5).join(", ");
  return {
    atMs,
    index,
    name,
    utilizationPct: parseField(tail[0]),
    memoryUsedMiB: parseField(tail[1]),
    memoryTotalMiB: parseField(tail[2]),
    powerW: parseField(tail[3]),
    energyMj: parseField(tail[4]),
  };
}

export interface GpuSummary {
  index: number;
  name: string;
  samples: number;
  /** Time between this GPU's first and last sample: the window its energy covers. */
  windowMs: number;
  meanUtilizationPct: number | null;
  peakMemoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  meanPowerW: number | null;
  energyJ: number | null;
  energySource: "counter" | "power_integral" | null;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The largest value, or null for none. A loop, not Math.max(...values): a long run has more samples than a call has arguments. */
export function maxOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => (b > a ? b : a), -Infinity);
}

/**
 * Energy of one GPU over its sampled window: the delta of the hardware energy counter when every sample has it (exact,
 * whatever the sampling rate), else the trapezoid integral of power.draw over the sample times.
 */
function energyOf(samples: GpuSample[]): { energyJ: number | null; source: GpuSummary["energySource"] } {
  if (samples.length < 2) return { energyJ: null, source: null };
  const first = samples[0] as GpuSample;
  const last = samples[samples.length - 1] as GpuSample;
  if (samples.every((s) => s.energyMj !== null) && (last.energyMj as number) >= (first.energyMj as number)) {
    return { energyJ: ((last.energyMj as number) - (first.energyMj as number)) / 1000, source: "counter" };
  }
  const withPower = samples.filter((s) => s.powerW !== null);
  if (withPower.length < 2) return { energyJ: null, source: null };
  let joules = 0;
  for (let i = 1; i < withPower.length; i++) {
    const a = withPower[i - 1] as GpuSample;
    const b = withPower[i] as GpuSample;
    joules += (((a.powerW as number) + (b.powerW as number)) / 2) * ((b.atMs - a.atMs) / 1000);
  }
  return { energyJ: joules, source: "power_integral" };
}

export function summarizeGpu(samples: GpuSample[]): GpuSummary {
  const first = samples[0];
  const utilization = samples.map((s) => s.utilizationPct).filter((v): v is number => v !== null);
  const memory = samples.map((s) => s.memoryUsedMiB).filter((v): v is number => v !== null);
  const power = samples.map((s) => s.powerW).filter((v): v is number => v !== null);
  const totals = samples.map((s) => s.memoryTotalMiB).filter((v): v is number => v !== null);
  const energy = energyOf(samples);
  return {
    index: first?.index ?? 0,
    name: first?.name ?? "",
    samples: samples.length,
    windowMs: samples.length < 2 ? 0 : (samples[samples.length - 1] as GpuSample).atMs - (first as GpuSample).atMs,
    meanUtilizationPct: mean(utilization),
    peakMemoryUsedMiB: maxOf(memory),
    memoryTotalMiB: maxOf(totals),
    meanPowerW: mean(power),
    energyJ: energy.energyJ,
    energySource: energy.source,
  };
}
