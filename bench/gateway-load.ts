/**
 * How bench/gateway.ts loads a system: open loop at a fixed rate (the PoC's generator, src/poc/load-generator.ts: each
 * request is due at a precomputed time and its latency counts from that time, so a stall shows up as latency, not as
 * fewer requests — no coordinated omission), closed loop at max (autocannon, N connections), and what the system's
 * process spent meanwhile (CPU from /proc/PID/stat, RSS from /proc/PID/status: read from outside, so sampling costs
 * the system nothing).
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import autocannon from "autocannon";
import { Pool, type Dispatcher } from "undici";
import { createLatencyHistogram, type HistogramSummaryMs } from "../src/poc/histogram.ts";
import { runClosedLoop, runOpenLoop } from "../src/poc/load-generator.ts";
import { buildSchedule } from "../src/poc/schedule.ts";

/** Where requests go: one path, fixed headers, and bodies sent in turn (request i gets bodies[i % n]). */
export interface LoadTarget {
  origin: string;
  path: string;
  headers: Record<string, string>;
  bodies: readonly string[];
}

export interface RateRun {
  rate: number;
  seconds: number;
  sent: number;
  ok: number;
  /** Non-200 answers and transport errors. */
  errors: number;
  /** Still unanswered when the drain deadline passed (counted apart from errors). */
  abandoned: number;
  firstError: string | undefined;
  achievedRps: number;
  /** From the scheduled send time (what a user sees, queueing included), ms. */
  latency: HistogramSummaryMs;
  /** How late the generator sent (its own accuracy on this machine), ms. */
  sendLag: HistogramSummaryMs;
  /** CPU time of each watched process per answered request, µs. */
  cpuUsPerRequest: Record<string, number | null>;
  loadavg1m: { before: number; after: number };
}

/** Cumulative user+system CPU of a process, ms (clock ticks of 10 ms); null once it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    return cpuMsOfStat(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
}

/**
 * CPU of a process split by thread, ms: its main thread (the event loop; tid = pid) and all its other threads together
 * (a gateway's ledger writer and checkpoint threads, V8's GC helpers, libuv's pool). null once it is gone.
 */
export function threadCpuMs(pid: number): { main: number; others: number } | null {
  try {
    let main = 0;
    let others = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const ms = cpuMsOfStat(`/proc/${pid}/task/${tid}/stat`);
      if (Number(tid) === pid) main += ms;
      else others += ms;
    }
    return { main, others };
  } catch {
    return null;
  }
}

/**
 * Time the process's main thread spent runnable but waiting for a CPU, ms (/proc schedstat, ns): on a machine whose cores
 * the generator, the upstream and the system share, an event loop can be ready and still not run. null where unavailable.
 */
export function mainThreadRunQueueMs(pid: number): number | null {
  try {
    const waitNs = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[1]);
    return Number.isFinite(waitNs) ? waitNs / 1e6 : null;
  } catch {
    return null;
  }
}

/** The whole machine's busy CPU time, ms (/proc/stat: user, nice, system, irq, softirq, steal): kernel work no process is billed for included. */
export function machineBusyMs(): number | null {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return (user + nice + system + irq + softirq + steal) * 10;
  } catch {
    return null;
  }
}

function cpuMsOfStat(path: string): number {
  // Fields after the command name (which may hold spaces, so split after its closing paren): utime is the 12th.
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident set size of a process, MiB; null once it is gone. */
export function processRssMiB(pid: number): number | null {
  try {
    const line = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return line === null ? null : Number(line[1]) / 1024;
  } catch {
    return null;
  }
}

/** A POST whose answer is only checked for its status: the least client work per response (no body stream or string). */
export function dispatchPost(pool: Pool, target: LoadTarget, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => undefined,
      onResponseStart: (_controller, statusCode) => {
        status = statusCode;
      },
      onResponseEnd: () => (status === 200 ? resolve() : reject(new Error(`HTTP ${status}`))),
      onResponseError: (_controller, error) => reject(error),
    };
    pool.dispatch({ path: target.path, method: "POST", headers: target.headers, body }, handler);
  });
}

/** Sends `count` requests, `concurrency` at a time, and fails on the first error: warms the JIT and the connections. */
export async function warm(target: LoadTarget, count: number, concurrency: number): Promise<void> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  let failure: unknown;
  await runClosedLoop({
    count,
    concurrency,
    drainMs: 10_000,
    send: (i) => dispatchPost(pool, target, target.bodies[i % target.bodies.length] as string),
    onComplete: (t) => {
      failure ??= t.error;
    },
  });
  await pool.destroy();
  if (failure !== undefined) throw new Error(`warm-up against ${target.origin}${target.path} failed: ${String(failure)}`);
}

export interface RateOptions {
  rate: number;
  seconds: number;
  connections: number;
  arrivals: "constant" | "poisson";
  /** Processes whose CPU per request is reported, by name. */
  watch: Record<string, number>;
  /** Called once a second with the seconds elapsed (the RSS soak samples here). */
  onSecond?: (second: number) => void;
  seed?: number;
}

export async function runAtRate(target: LoadTarget, options: RateOptions): Promise<RateRun> {
  const { rate, seconds } = options;
  const schedule = buildSchedule({ kind: options.arrivals, rate, count: Math.round(rate * seconds), seed: options.seed ?? 1 });
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1 });
  const latency = createLatencyHistogram();
  let errors = 0;
  let firstError: string | undefined;
  const before = loadavg()[0] ?? 0;
  const cpuAt = Object.fromEntries(Object.entries(options.watch).map(([name, pid]) => [name, processCpuMs(pid)]));
  let second = 0;
  const ticker = options.onSecond === undefined ? undefined : setInterval(() => options.onSecond?.(++second), 1000);
  const n = target.bodies.length;
  let ended = false;
  const run = await runOpenLoop({
    schedule,
    // Past this, an overloaded system's backlog is abandoned rather than waited for.
    drainMs: 5_000,
    send: (i) => dispatchPost(pool, target, target.bodies[i % n] as string),
    onComplete: (t) => {
      // Requests abandoned at the drain deadline fail when the pool is destroyed below: they are counted as abandoned.
      if (ended) return;
      if (t.error !== undefined) {
        errors++;
        firstError ??= t.error instanceof Error ? t.error.message : String(t.error);
        return;
      }
      latency.record(t.latencyMs);
    },
  });
  ended = true;
  if (ticker !== undefined) clearInterval(ticker);
  // Drop what is still queued or in flight, so an overloaded system's backlog does not spill into the next run.
  await pool.destroy();
  const ok = run.completed - errors;
  const cpuUsPerRequest = Object.fromEntries(
    Object.entries(options.watch).map(([name, pid]) => {
      const start = cpuAt[name];
      const end = processCpuMs(pid);
      return [name, start === null || start === undefined || end === null || ok === 0 ? null : Math.round(((end - start) * 1000) / ok)];
    }),
  );
  return {
    rate,
    seconds,
    sent: run.sent,
    ok,
    errors,
    abandoned: run.abandoned.length,
    firstError,
    achievedRps: Math.round(ok / (run.durationMs / 1000)),
    latency: latency.summary(),
    sendLag: run.sendLag.summary(),
    cpuUsPerRequest,
    loadavg1m: { before, after: loadavg()[0] ?? 0 },
  };
}

export interface MaxRun {
  connections: number;
  seconds: number;
  requestsPerSecond: number;
  errors: number;
  /** Closed loop: from the actual send (service time), ms. */
  latency: { p50: number; p90: number; p99: number; max: number };
  loadavg1m: { before: number; after: number };
  /**
   * Where the machine's CPU went during the run, µs per answered request (/proc, 10 ms ticks): the system's event loop
   * (its main thread) and its other threads, the upstream behind it (absent for direct, which is the upstream), and the
   * load generator (this process: autocannon runs in it). `cores` is all of that over the wall time, and `mainLoopBusy`
   * the share of the wall time the system's main thread was on a CPU: at 1.0 one event loop is the limit, while `cores`
   * near the machine's count says the machine is.
   */
  cpu?: {
    systemMain: number | null;
    systemOthers: number | null;
    upstream: number | null;
    generator: number;
    cores: number;
    mainLoopBusy: number | null;
    /** Share of the wall time the system's event loop was ready to run but waiting for a CPU. */
    mainLoopWaiting: number | null;
    /** Busy cores of the whole machine (/proc/stat), kernel network work and steal included. */
    machineCores: number | null;
  };
}

/** What `runAtMax` reads CPU from: the system's process and, for a system in front of it, the upstream's. */
export interface MaxWatch {
  system: number;
  upstream?: number;
}

/** autocannon, closed loop: `connections` requests always in flight, each connection sending its next on an answer. */
export async function runAtMax(target: LoadTarget, connections: number, seconds: number, watch?: MaxWatch): Promise<MaxRun> {
  const before = loadavg()[0] ?? 0;
  let i = 0;
  const n = target.bodies.length;
  const systemAt = watch === undefined ? null : threadCpuMs(watch.system);
  const upstreamAt = watch?.upstream === undefined ? null : processCpuMs(watch.upstream);
  const waitAt = watch === undefined ? null : mainThreadRunQueueMs(watch.system);
  const machineAt = machineBusyMs();
  const generatorAt = process.cpuUsage();
  const wallAt = performance.now();
  const result = await autocannon({
    url: `${target.origin}${target.path}`,
    connections,
    pipelining: 1,
    duration: seconds,
    method: "POST",
    headers: target.headers,
    // No rate: closed loop, one latency sample per answer (autocannon back-fills samples only under a fixed rate).
    requests: [{ setupRequest: (request) => ({ ...request, body: target.bodies[i++ % n] as string }) }],
  });
  const wallMs = performance.now() - wallAt;
  const generatorUs = process.cpuUsage(generatorAt);
  const answered = Math.max(1, result["2xx"]);
  const systemEnd = watch === undefined ? null : threadCpuMs(watch.system);
  const waitEnd = watch === undefined ? null : mainThreadRunQueueMs(watch.system);
  const machineEnd = machineBusyMs();
  const upstreamEnd = watch?.upstream === undefined ? null : processCpuMs(watch.upstream);
  const perRequest = (ms: number | null): number | null => (ms === null ? null : Math.round((ms * 1000) / answered));
  const systemMainMs = systemAt === null || systemEnd === null ? null : systemEnd.main - systemAt.main;
  const systemOthersMs = systemAt === null || systemEnd === null ? null : systemEnd.others - systemAt.others;
  const upstreamMs = upstreamAt === null || upstreamEnd === null ? null : upstreamEnd - upstreamAt;
  const generatorMs = (generatorUs.user + generatorUs.system) / 1000;
  const cpu =
    watch === undefined
      ? undefined
      : {
          systemMain: perRequest(systemMainMs),
          systemOthers: perRequest(systemOthersMs),
          upstream: perRequest(upstreamMs),
          generator: Math.round((generatorMs * 1000) / answered),
          cores: ((systemMainMs ?? 0) + (systemOthersMs ?? 0) + (upstreamMs ?? 0) + generatorMs) / wallMs,
          mainLoopBusy: systemMainMs === null ? null : systemMainMs / wallMs,
          mainLoopWaiting: waitAt === null || waitEnd === null ? null : (waitEnd - waitAt) / wallMs,
          machineCores: machineAt === null || machineEnd === null ? null : (machineEnd - machineAt) / wallMs,
        };
  return {
    connections,
    seconds,
    // Answered with a 2xx: a system that fails fast must not look fast.
    requestsPerSecond: Math.round(result["2xx"] / result.duration),
    errors: result.errors + result.timeouts + result.non2xx,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    loadavg1m: { before, after: loadavg()[0] ?? 0 },
    ...(cpu !== undefined ? { cpu } : {}),
  };
}
