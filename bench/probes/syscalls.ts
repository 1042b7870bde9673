/**
 * Syscalls per answered request, by system and by thread: what each request asks of the kernel on this machine, where a
 * syscall that wakes another thread or process costs tens of µs. Each system gets the same open-loop rate while strace
 * follows its process (all threads); the calls are then counted per thread: the main thread (the event loop) apart from
 * the others (frugal's ledger writer and WAL checkpoint threads, libuv's pool).
 *
 *   node --import tsx bench/probes/syscalls.ts [--rate 1000] [--seconds 4] [--systems direct,proxy,frugal-route,frugal-task]
 *
 * Needs strace (apt-get install strace) and the right to trace a child (root, or ptrace_scope 0). strace slows what it
 * traces: read the counts, not the latencies it prints.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runAtRate, warm, type LoadTarget } from "../gateway-load.ts";
import { UPSTREAM_MODEL } from "../gateway-servers.ts";
import { banking77Texts, chatBody, ensureClassifier, prepareFrugal, ROUTE, type Started, startFrugal, startProxy, startUpstream, TASK } from "../gateway-systems.ts";

/** strace's raw lines (`TID name(args) = result`, or split `<... name resumed>` halves), counted per thread role and name. */
export function countSyscalls(trace: string, mainTid: number): { main: Map<string, number>; others: Map<string, number> } {
  const main = new Map<string, number>();
  const others = new Map<string, number>();
  for (const line of trace.split("\n")) {
    // A call strace saw interrupted is printed twice (`unfinished ...>` then `<... resumed>`): count the first half only.
    const match = /^(\d+)\s+([a-z_0-9]+)\(/.exec(line);
    if (match === null) continue;
    const into = Number(match[1]) === mainTid ? main : others;
    into.set(match[2] as string, (into.get(match[2] as string) ?? 0) + 1);
  }
  return { main, others };
}

function perRequest(counts: Map<string, number>, answered: number): string {
  const shown = [...counts].map(([name, n]) => [name, n / answered] as const).filter(([, per]) => per >= 0.05);
  return shown.length === 0 ? "-" : shown.sort((a, b) => b[1] - a[1]).map(([name, per]) => `${name} ${per.toFixed(2)}`).join(", ");
}

async function traced(pid: number, out: string, during: () => Promise<number>): Promise<{ trace: string; answered: number }> {
  const strace = spawn("strace", ["-f", "-qq", "-o", out, "-p", String(pid)], { stdio: "ignore" });
  const failed = new Promise<never>((_, reject) => strace.once("error", (e) => reject(new Error(`strace: ${e.message} (apt-get install strace)`))));
  // strace attaches to every thread before the load starts.
  await Promise.race([new Promise((r) => setTimeout(r, 1000)), failed]);
  const answered = await during();
  strace.kill("SIGINT");
  await new Promise((r) => strace.once("exit", r));
  return { trace: readFileSync(out, "utf8"), answered };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rate: { type: "string", default: "1000" }, seconds: { type: "string", default: "4" }, systems: { type: "string", default: "direct,proxy,frugal-route,frugal-task" } } });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const wanted = values.systems.split(",");
  const work = mkdtempSync(join(tmpdir(), "frugal-syscalls-"));
  const started: Started[] = [];
  try {
    const texts = banking77Texts().slice(0, 2000);
    const upstream = await startUpstream(0, work);
    started.push(upstream);
    const v1 = `http://127.0.0.1:${upstream.port}/v1`;
    const plain = { "content-type": "application/json" };
    const target = (port: number, headers: Record<string, string>, model: string): LoadTarget => ({ origin: `http://127.0.0.1:${port}`, path: "/v1/chat/completions", headers, bodies: texts.map((t) => chatBody(model, t)) });
    const systems: Array<[string, LoadTarget, number]> = [["direct", target(upstream.port, plain, UPSTREAM_MODEL), upstream.pid]];
    if (wanted.includes("proxy")) {
      const proxy = await startProxy(v1, work);
      started.push(proxy);
      systems.push(["proxy", target(proxy.port, plain, UPSTREAM_MODEL), proxy.pid]);
    }
    if (wanted.some((w) => w.startsWith("frugal"))) {
      const setup = await prepareFrugal(work, v1, await ensureClassifier());
      const frugal = await startFrugal(setup, work);
      started.push(frugal);
      const auth = { ...plain, authorization: `Bearer ${setup.key}` };
      systems.push(["frugal-route", target(frugal.port, auth, ROUTE), frugal.pid], ["frugal-task", target(frugal.port, auth, TASK), frugal.pid]);
    }
    console.log(`syscalls per answered request at ${rate} req/s (${seconds} s, open loop), main thread (event loop) | other threads`);
    for (const [name, load, pid] of systems.filter(([name]) => wanted.includes(name))) {
      await warm(load, 5000, 32);
      const { trace, answered } = await traced(pid, join(work, `${name}.strace`), async () => (await runAtRate(load, { rate, seconds, connections: 64, arrivals: "constant", watch: {} })).ok);
      const { main, others } = countSyscalls(trace, pid);
      console.log(`${name.padEnd(14)} ${answered} answered\n  main:   ${perRequest(main, answered)}\n  others: ${perRequest(others, answered)}`);
    }
  } finally {
    for (const s of started.reverse()) await s.stop();
  }
}

if (process.argv[1]?.endsWith("syscalls.ts")) await main();
