/**
 * bench/gateway.ts's tables and target verdicts, from the results of one run. Added latency is a system's percentile
 * minus the direct-to-upstream one at the same rate in the same run; "over floor" subtracts the bare Node proxy's instead
 * (what frugal costs beyond what any Node hop costs on this machine). Differences of percentiles, not percentiles of
 * differences: that is what every gateway benchmark reports, and it is what the targets mean.
 */
import type { MaxRun, RateRun } from "./gateway-load.ts";

export interface SystemInfo {
  id: string;
  label: string;
  /** Forwards to the upstream (added latency over direct is meaningful); false for the compact task. */
  forwards: boolean;
}

export interface SoakResult {
  seconds: number;
  rate: number;
  windowS: number;
  rssMiB: number[];
  firstMeanMiB: number;
  lastMeanMiB: number;
  driftPct: number;
  run: RateRun;
}

export interface BenchResults {
  systems: SystemInfo[];
  rates: Record<string, RateRun[]>;
  max: Record<string, MaxRun>;
  soak: SoakResult | undefined;
}

const f = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? "-" : v.toFixed(digits));
const pad = (s: string, n: number): string => (s.length >= n ? s : s + " ".repeat(n - s.length));
const left = (s: string, n: number): string => (s.length >= n ? s : " ".repeat(n - s.length) + s);

export function runAt(results: BenchResults, id: string, rate: number): RateRun | undefined {
  return results.rates[id]?.find((r) => r.rate === rate);
}

/** A run that did not hold its rate (errors, abandoned requests, or under 95% of the rate answered): its tail is a queue. */
export function overloaded(run: RateRun): boolean {
  return run.errors + run.abandoned > 0.01 * run.sent || run.achievedRps < 0.95 * run.rate;
}

export function added(results: BenchResults, id: string, base: string, rate: number, p: "p50" | "p99"): number | null {
  const a = runAt(results, id, rate)?.latency[p];
  const b = runAt(results, base, rate)?.latency[p];
  return a === null || a === undefined || b === null || b === undefined ? null : a - b;
}

export function rateTable(results: BenchResults, rate: number): string {
  const head = `${pad("system", 24)}${left("ok/sent", 14)}${left("err", 6)}${left("p50", 8)}${left("p90", 8)}${left("p99", 8)}${left("max", 8)}${left("+p50", 8)}${left("+p99", 8)}${left("p99-floor", 10)}  cpu µs/req  load`;
  const lines = [head];
  for (const s of results.systems) {
    const run = runAt(results, s.id, rate);
    if (run === undefined) {
      lines.push(`${pad(s.label, 24)}  not run at this rate (overloaded at a lower one)`);
      continue;
    }
    const l = run.latency;
    const fwd = s.forwards && s.id !== "direct";
    const cpu = Object.entries(run.cpuUsPerRequest)
      .map(([k, v]) => `${k} ${v ?? "-"}`)
      .join(", ");
    lines.push(
      `${pad(s.label, 24)}${left(`${run.ok}/${run.sent}`, 14)}${left(String(run.errors + run.abandoned), 6)}${left(f(l.p50), 8)}${left(f(l.p90), 8)}${left(f(l.p99), 8)}${left(f(l.max), 8)}` +
        `${left(fwd ? f(added(results, s.id, "direct", rate, "p50")) : "", 8)}${left(fwd ? f(added(results, s.id, "direct", rate, "p99")) : "", 8)}` +
        `${left(fwd && s.id !== "proxy" ? f(added(results, s.id, "proxy", rate, "p99")) : "", 10)}  ${cpu}  ${f(run.loadavg1m.before, 1)}${overloaded(run) ? "  OVERLOADED" : ""}`,
    );
  }
  const fr = added(results, "frugal-route", "direct", rate, "p99");
  const pk = added(results, "portkey", "direct", rate, "p99");
  if (fr !== null && pk !== null) lines.push(`peer ratio: frugal route added P99 / Portkey added P99 = ${f(fr, 2)} / ${f(pk, 2)} ms = ${pk > 0 ? f(fr / pk, 3) : "-"}`);
  return lines.join("\n");
}

export function maxTable(results: BenchResults): string {
  const lines = [`${pad("system", 24)}${left("req/s", 9)}${left("err", 7)}${left("p50", 8)}${left("p90", 8)}${left("p99", 8)}${left("max", 8)}  load`];
  for (const s of results.systems) {
    const m = results.max[s.id];
    if (m === undefined) continue;
    lines.push(`${pad(s.label, 24)}${left(String(m.requestsPerSecond), 9)}${left(String(m.errors), 7)}${left(f(m.latency.p50), 8)}${left(f(m.latency.p90), 8)}${left(f(m.latency.p99), 8)}${left(f(m.latency.max), 8)}  ${f(m.loadavg1m.before, 1)}`);
  }
  const fr = results.max["frugal-route"]?.requestsPerSecond;
  const pk = results.max.portkey?.requestsPerSecond;
  if (fr !== undefined && pk !== undefined && pk > 0) lines.push(`peer ratio: frugal route / Portkey max req/s = ${(fr / pk).toFixed(2)}`);
  return lines.join("\n");
}

export interface Verdict {
  target: string;
  measured: string;
  met: boolean | null;
}

/** The issue's targets, each with the figure it was judged on; null where this run did not measure it. */
export function verdicts(results: BenchResults, taskRate: number): Verdict[] {
  const out: Verdict[] = [];
  for (const id of ["frugal-route", "frugal-pii"]) {
    const a = added(results, id, "direct", 1000, "p99");
    const floor = added(results, id, "proxy", 1000, "p99");
    out.push({ target: `${id}: added P99 ≤ 1 ms at 1,000 req/s`, measured: a === null ? "not run" : `${f(a)} ms over direct (${f(floor)} ms over the bare-proxy floor)`, met: a === null ? null : a <= 1 });
    const pk = added(results, "portkey", "direct", 1000, "p99");
    out.push({
      target: `${id}: added P99 ≤ 1/10 of Portkey's at 1,000 req/s`,
      measured: a === null || pk === null ? "not run" : `${f(a)} vs Portkey ${f(pk)} ms (ratio ${pk > 0 ? f(a / pk, 3) : "-"})`,
      met: a === null || pk === null ? null : pk > 0 && a <= pk / 10,
    });
  }
  const rps = results.max["frugal-route"]?.requestsPerSecond;
  out.push({ target: "pass-through ≥ 8,000 req/s (closed loop, max)", measured: rps === undefined ? "not run" : `${rps} req/s (direct: ${results.max.direct?.requestsPerSecond ?? "-"})`, met: rps === undefined ? null : rps >= 8000 });
  const task = runAt(results, "frugal-task", taskRate);
  const taskMax = results.max["frugal-task"]?.requestsPerSecond;
  out.push({
    target: `compact task at ${taskRate} req/s with P99 ≤ 2 ms`,
    measured: task === undefined ? "not run" : `${task.achievedRps} req/s answered, P99 ${f(task.latency.p99)} ms, ${task.errors + task.abandoned} errors${taskMax !== undefined ? `; closed-loop max ${taskMax} req/s` : ""}`,
    met: task === undefined ? null : task.rate >= 5000 && !overloaded(task) && (task.latency.p99 ?? Infinity) <= 2,
  });
  const soak = results.soak;
  out.push({
    target: "RSS flat ±10% over 5 minutes",
    measured: soak === undefined ? "not run" : `${f(soak.firstMeanMiB, 1)} → ${f(soak.lastMeanMiB, 1)} MiB (${soak.driftPct >= 0 ? "+" : ""}${f(soak.driftPct, 1)}%, first vs last ${soak.windowS} s of ${soak.seconds} s)`,
    met: soak === undefined ? null : Math.abs(soak.driftPct) <= 10 && soak.seconds >= 300 ? true : Math.abs(soak.driftPct) <= 10 ? null : false,
  });
  return out;
}

export function verdictTable(list: Verdict[]): string {
  return list.map((v) => `${v.met === null ? "n/a    " : v.met ? "met    " : "NOT met"}  ${v.target}: ${v.measured}`).join("\n");
}
