/**
 * Measures the CPU time of synchronous in-process work (a compact model's predict), which is what a self-hosted tier is
 * priced on. process.cpuUsage counts the whole process, but around a synchronous call the JS thread does nothing else, so
 * the difference is this call's work plus whatever background threads (GC helpers) did meanwhile — a slight over-count,
 * never an under-count. Wall time is taken alongside for latency.
 */

export interface Timed<T> {
  result: T;
  cpuMs: number;
  wallMs: number;
}

export function timeCpu<T>(work: () => T): Timed<T> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const result = work();
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  // getrusage can lag wall time by a tick on very short calls; CPU time of a synchronous call is never below zero.
  const cpuMs = Math.max(0, (cpu.user + cpu.system) / 1000);
  return { result, cpuMs, wallMs };
}
