/**
 * Latency of a synchronous in-process call (an extractor's predict), measured so that load on a shared machine can be told
 * apart from the work itself:
 *   - untimed warm-up passes first (JIT compilation is paid once per process, not per request);
 *   - many timed calls, each with its wall-clock time (hrtime) and the process CPU time it used (process.cpuUsage, user +
 *     system): a call that waited for a core has a long wall time and a short CPU time;
 *   - garbage-collection pauses observed during the timed calls (count, total, longest), the other source of tail latency;
 *   - the 1-minute load average before and after, and the core count.
 * CPU time is the whole process's (GC helper threads included), read at microsecond resolution.
 */
import { nearestRank } from "../../core/percentile.ts";
import { cpus, loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LatencyReport {
  calls: number;
  warmupCalls: number;
  /** Milliseconds per call. */
  wallMs: Percentiles;
  cpuMs: Percentiles;
  /** Share of calls whose wall time exceeded their CPU time by more than 0.5 ms: they waited for a core (or for I/O). */
  waitedShare: number;
  gc: { count: number; totalMs: number; maxMs: number };
  loadAverage1m: { before: number; after: number };
  cores: number;
}

export interface MeasureLatencyOptions {
  /** Timed passes over the inputs (default 20). */
  passes?: number;
  /** Untimed passes first (default 3). */
  warmupPasses?: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => nearestRank(sorted, q);
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: at(1), mean: sorted.length === 0 ? 0 : sum / sorted.length };
}

export async function measureLatency<T>(call: (input: T) => unknown, inputs: readonly T[], options: MeasureLatencyOptions = {}): Promise<LatencyReport> {
  const passes = options.passes ?? 20;
  const warmupPasses = options.warmupPasses ?? 3;
  for (let p = 0; p < warmupPasses; p++) for (const input of inputs) call(input);
  const gcPauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  observer.observe({ entryTypes: ["gc"] });
  const loadBefore = loadavg()[0] ?? 0;
  const calls = passes * inputs.length;
  const wall = new Float64Array(calls);
  const cpu = new Float64Array(calls);
  let i = 0;
  for (let p = 0; p < passes; p++) {
    for (const input of inputs) {
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      call(input);
      const end = process.hrtime.bigint();
      const used = process.cpuUsage(cpuStart);
      wall[i] = Number(end - start) / 1e6;
      cpu[i] = (used.user + used.system) / 1000;
      i++;
    }
  }
  const loadAfter = loadavg()[0] ?? 0;
  // GC entries are delivered asynchronously (a setImmediate is not enough, measured): let them arrive before reading them.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  let waited = 0;
  for (let k = 0; k < calls; k++) if ((wall[k] as number) - (cpu[k] as number) > 0.5) waited++;
  return {
    calls,
    warmupCalls: warmupPasses * inputs.length,
    wallMs: percentiles(Array.from(wall)),
    cpuMs: percentiles(Array.from(cpu)),
    waitedShare: calls === 0 ? 0 : waited / calls,
    gc: { count: gcPauses.length, totalMs: gcPauses.reduce((s, d) => s + d, 0), maxMs: gcPauses.reduce((m, d) => Math.max(m, d), 0) },
    loadAverage1m: { before: loadBefore, after: loadAfter },
    cores: cpus().length,
  };
}
