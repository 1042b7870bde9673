/**
 * The PoC's open-loop load generator against a local no-op HTTP endpoint: can it hold a Poisson schedule at 2,000 req/s
 * with a P99 send lag ≤ 1 ms, and do its latency readings agree with autocannon's on the same endpoint, in the same run?
 *
 *   node --import tsx bench/load-generator.ts [--rate 2000] [--duration 10] [--connections 32] [--client dispatch|request]
 *                                             [--spin-ms 0.05] [--immediate-ms 1.5] [--nap-ms 0.1] [--json]
 *
 * The endpoint runs in a child process (its own event loop and its own core when one is free, so its work never competes
 * with the scheduler's event loop), answering every GET with 2 bytes. Then, one after the other, on the same Poisson
 * schedule: (0) the scheduler alone, sending nothing (`send` resolves at once): its lag is the clock's own accuracy on
 * this machine; (1) frugal's runOpenLoop sending each request through an undici Pool — by default with `dispatch` and a
 * handler that ignores the body (no stream, no string: the least client work per response), `--client request` for
 * `pool.request` + `body.dump()`; it records the send lag (actual − scheduled send time), the latency from the scheduled
 * time (what the PoC reports: no coordinated omission) and the service time from the actual send; (2) autocannon at the
 * same fixed rate (overallRate), connections and duration, which measures from its actual send. Percentiles:
 * HdrHistogram, ms. Figures are `measured` on whatever machine runs this: the load average before and after is printed
 * with them.
 *
 * autocannon runs with `ignoreCoordinatedOmission: true`: one latency sample per response, from its actual send, which is
 * what our service-time column is. By default, with a rate (`-R`), autocannon "corrects" for coordinated omission by
 * back-filling synthetic samples at a 1 ms expected interval for every response slower than that (59,075 samples for
 * 3,000 requests in one run): a histogram of invented points, comparable with neither of our columns. The bench prints
 * autocannon's sample count beside its request count, so a mismatch would show.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import autocannon from "autocannon";
import { Pool, type Dispatcher } from "undici";
import { createLatencyHistogram, type HistogramSummaryMs } from "../src/poc/histogram.ts";
import { runOpenLoop } from "../src/poc/load-generator.ts";
import { DEFAULT_SEND_CLOCK } from "../src/poc/send-clock.ts";
import { buildSchedule } from "../src/poc/schedule.ts";
import { numberFlag, serveOnFreePort, startChildServer } from "./child-server.ts";

function serve(): void {
  serveOnFreePort((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    res.end("ok");
  });
}

/** A GET whose response is only waited for: the parser runs, but no body stream or string is made. */
function dispatchGet(pool: Pool): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      // undici takes a handler as the current API only when it has onRequestStart.
      onRequestStart: () => undefined,
      onResponseStart: (_controller, status) => {
        if (status !== 200) reject(new Error(`status ${status}`));
      },
      onResponseEnd: () => resolve(),
      onResponseError: (_controller, error) => reject(error),
    };
    pool.dispatch({ path: "/", method: "GET" }, handler);
  });
}

async function requestGet(pool: Pool): Promise<void> {
  const response = await pool.request({ path: "/", method: "GET" });
  await response.body.dump();
}

/**
 * CPU time the hypervisor took from this VM (all vCPUs), ms, from /proc/stat's `steal` column (USER_HZ ticks, 100/s on
 * Linux); null where there is no /proc/stat. A stolen slice freezes the generator's clock for its length: it shows up as
 * send lag that no scheduling can prevent, so it is printed beside the lag.
 */
function stealMs(): number | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/) ?? [];
    const steal = Number(fields[8]);
    return Number.isFinite(steal) ? steal * 10 : null;
  } catch {
    return null;
  }
}
const stealSince = (before: number | null): number | null => {
  const now = stealMs();
  return before === null || now === null ? null : now - before;
};

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
function compact(s: HistogramSummaryMs): Record<string, number | null> {
  return { count: s.count, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), p999: round(s.p999), max: round(s.max), mean: round(s.mean) };
}

async function main(): Promise<void> {
  const rate = numberFlag("rate", 2000);
  const duration = numberFlag("duration", 10);
  const connections = numberFlag("connections", 32);
  const napAt = process.argv.indexOf("--nap-ms");
  const tuning = {
    spinMs: numberFlag("spin-ms", DEFAULT_SEND_CLOCK.spinMs),
    immediateMs: numberFlag("immediate-ms", DEFAULT_SEND_CLOCK.immediateMs),
    // 0 is a valid setting here (turns only, no naps), which `flag` would refuse.
    napMs: napAt === -1 ? DEFAULT_SEND_CLOCK.napMs : Math.max(0, Number(process.argv[napAt + 1]) || 0),
  };
  const client = process.argv[process.argv.indexOf("--client") + 1] === "request" ? "request" : "dispatch";
  const asJson = process.argv.includes("--json");
  const loadBefore = loadavg()[0];
  const { port, stop } = await startChildServer(import.meta.url);
  const url = `http://127.0.0.1:${port}`;
  try {
    const pool = new Pool(url, { connections, pipelining: 1 });
    const get = client === "request" ? () => requestGet(pool) : () => dispatchGet(pool);
    // Warm the connections and the JIT before either measurement.
    for (let i = 0; i < 2000; i++) await get();

    const count = Math.round(rate * duration);
    const schedule = buildSchedule({ kind: "poisson", rate, count, seed: 1 });
    // CPU time of this process per phase: how much of a core the generator holds (the server child is not counted).
    const cpuSeconds = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return Math.round(((used.user + used.system) / 1e6) * 100) / 100;
    };
    let cpuAt = process.cpuUsage();
    let stealAt = stealMs();
    const alone = await runOpenLoop({ schedule, drainMs: 1000, tuning, send: () => Promise.resolve() });
    const aloneCpu = cpuSeconds(cpuAt);
    const aloneSteal = stealSince(stealAt);
    cpuAt = process.cpuUsage();
    stealAt = stealMs();
    const fromSchedule = createLatencyHistogram();
    const service = createLatencyHistogram();
    let errors = 0;
    const ours = await runOpenLoop({
      schedule,
      drainMs: 10_000,
      tuning,
      send: get,
      onComplete: (t) => {
        if (t.error !== undefined) errors++;
        fromSchedule.record(t.latencyMs);
        service.record(t.serviceMs);
      },
    });
    const oursCpu = cpuSeconds(cpuAt);
    const oursSteal = stealSince(stealAt);
    await pool.close();

    // One sample per response (see the header): the default at a fixed rate back-fills synthetic samples.
    const cannon = await autocannon({ url, connections, overallRate: rate, duration, pipelining: 1, ignoreCoordinatedOmission: true });
    const cannonSamples = (cannon.latency as { totalCount?: number }).totalCount ?? null;
    const lag = ours.sendLag.summary();
    const serviceSummary = service.summary();
    const ratio = (a: number | null, b: number): number | null => (a === null || b === 0 ? null : Math.round((a / b) * 100) / 100);
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", load_average_1m_before: loadBefore, load_average_1m_after: loadavg()[0], node: process.version },
      rate_per_s: rate,
      duration_s: duration,
      connections,
      client,
      tuning,
      scheduler_alone: { send_lag_ms: compact(alone.sendLag.summary()), cpu_s: aloneCpu, vm_steal_ms: aloneSteal },
      frugal: {
        cpu_s: oursCpu,
        vm_steal_ms: oursSteal,
        sent: ours.sent,
        completed: ours.completed,
        errors,
        achieved_rate_per_s: Math.round((ours.sent / (ours.durationMs / 1000)) * 10) / 10,
        send_lag_ms: compact(lag),
        latency_from_schedule_ms: compact(fromSchedule.summary()),
        service_time_ms: compact(serviceSummary),
        target_p99_send_lag_le_1ms: (lag.p99 ?? Infinity) <= 1,
      },
      autocannon: {
        ignore_coordinated_omission: true,
        requests: cannon.requests.total,
        latency_samples: cannonSamples,
        achieved_rate_per_s: Math.round((cannon.requests.total / cannon.duration) * 10) / 10,
        errors: cannon.errors + cannon.timeouts + cannon.non2xx,
        latency_ms: { p50: cannon.latency.p50, p90: cannon.latency.p90, p99: cannon.latency.p99, p999: cannon.latency.p99_9, max: cannon.latency.max, mean: cannon.latency.mean },
      },
      // Both measure from the actual send here (service time vs autocannon's latency): the ratio is how far the two clocks agree.
      service_time_over_autocannon: {
        p50: ratio(serviceSummary.p50, cannon.latency.p50),
        p90: ratio(serviceSummary.p90, cannon.latency.p90),
        p99: ratio(serviceSummary.p99, cannon.latency.p99),
      },
      provenance: "measured",
    };
    if (asJson) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const row = (name: string, s: Record<string, number | null>): string =>
      `${name.padEnd(34)} ${["p50", "p90", "p99", "p999", "max"].map((k) => String(s[k] ?? "-").padStart(9)).join("")}`;
    const lines = [
      `frugal load generator vs autocannon — Poisson ${rate} req/s, ${duration} s, ${connections} connections, no-op endpoint in a child process, client ${client}, spin ${tuning.spinMs} ms, turns/naps ${tuning.immediateMs} ms, nap ≤ ${tuning.napMs} ms`,
      `machine: ${report.machine.cpus} CPUs (${report.machine.model}), load average ${loadBefore?.toFixed(2)} before, ${report.machine.load_average_1m_after?.toFixed(2)} after, node ${report.machine.node}`,
      `${"(ms)".padEnd(34)} ${["p50", "p90", "p99", "p99.9", "max"].map((k) => k.padStart(9)).join("")}`,
      row("scheduler alone: send lag", report.scheduler_alone.send_lag_ms),
      row("frugal send lag", report.frugal.send_lag_ms),
      row("frugal latency (from schedule)", report.frugal.latency_from_schedule_ms),
      row("frugal service time (from send)", report.frugal.service_time_ms),
      row("autocannon latency (from send)*", report.autocannon.latency_ms),
      `generator CPU over ${duration} s: ${aloneCpu} s alone, ${oursCpu} s with HTTP`,
      `VM steal (CPU time the hypervisor took, both vCPUs, /proc/stat): ${aloneSteal ?? "n/a"} ms alone, ${oursSteal ?? "n/a"} ms with HTTP`,
      `achieved rate: frugal ${report.frugal.achieved_rate_per_s} req/s (${ours.sent} sent, ${errors} errors), autocannon ${report.autocannon.achieved_rate_per_s} req/s (${report.autocannon.errors} errors)`,
      `service time / autocannon latency: p50 ${report.service_time_over_autocannon.p50}, p90 ${report.service_time_over_autocannon.p90}, p99 ${report.service_time_over_autocannon.p99}`,
      `* autocannon ran with ignoreCoordinatedOmission: one sample per response, from its actual send (${cannonSamples ?? "?"} samples for ${report.autocannon.requests} requests), so it compares with frugal's service time; its default at a fixed rate back-fills synthetic samples, which compare with nothing here`,
      `target: P99 send lag ≤ 1 ms: ${report.frugal.target_p99_send_lag_le_1ms ? "met" : "NOT met"} (${lag.p99?.toFixed(3)} ms)`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    stop();
  }
}

if (process.argv.includes("--serve")) serve();
else await main();
