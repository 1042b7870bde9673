/**
 * Measures the CPU time of synchronous in-process work (a compact model's predict), which is what a self-hosted tier is
 * priced on. The call runs on the event-loop thread and nothing else runs on that thread until it returns, so its wall
 * time is the thread's busy time: an upper bound of its CPU time that only preemption by other processes can inflate.
 * process.cpuUsage() was used before, but it sums every thread of the process (the ledger writer, GC helpers: an
 * over-count of its own) and, with a dozen threads in `frugal serve`, cost more than a BANKING77 prediction itself
 * (13% of the gateway's CPU at 2,000 task req/s, bench/gateway.ts --cpu-prof).
 */

export interface Timed<T> {
  result: T;
  cpuMs: number;
  wallMs: number;
}

export function timeCpu<T>(work: () => T): Timed<T> {
  const start = performance.now();
  const result = work();
  const wallMs = performance.now() - start;
  return { result, cpuMs: wallMs, wallMs };
}
