/**
 * Timing of awaited calls for the benches: wall time per call (process.hrtime), throughput and this process's CPU per
 * call. `timed` runs one call at a time; `timedConcurrent` keeps `concurrency` calls in flight, as a server under load does.
 */
import { percentile } from "../src/core/percentile.ts";

const round = (x: number) => Math.round(x * 10) / 10;

async function measure(count: number, run: (record: (us: number) => void) => Promise<void>): Promise<Record<string, number>> {
  const us: number[] = [];
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run((x) => us.push(x));
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return {
    calls: count,
    per_s: Math.round(count / totalS),
    p50_us: round(percentile(us, 50)),
    p99_us: round(percentile(us, 99)),
    p999_us: round(percentile(us, 99.9)),
    max_us: round(us.reduce((a, b) => Math.max(a, b), 0)),
    // CPU per call (this process, all threads): less sensitive than wall time to other load on a shared machine.
    cpu_us: round((used.user + used.system) / count),
  };
}

export async function timed(count: number, call: (i: number) => Promise<unknown>): Promise<Record<string, number>> {
  return measure(count, async (record) => {
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      await call(i);
      record(Number(process.hrtime.bigint() - t) / 1000);
    }
  });
}

export async function timedConcurrent(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<Record<string, number>> {
  let next = 0;
  return {
    ...(await measure(count, async (record) => {
      const worker = async (): Promise<void> => {
        for (let i = next++; i < count; i = next++) {
          const t = process.hrtime.bigint();
          await call(i);
          record(Number(process.hrtime.bigint() - t) / 1000);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    })),
    concurrency,
  };
}
