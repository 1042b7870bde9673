/**
 * The gateway benchmark: `frugal serve` against a direct call, a bare Node proxy (the floor) and Portkey's gateway, in
 * the same run, against the same local upstream, with the same request bodies.
 *
 *   node --import tsx bench/gateway.ts [--rates 200,500,1000,2000] [--seconds 5] [--rounds 3] [--task-rate 5000]
 *        [--delay-ms 0] [--connections 64] [--max-seconds 10] [--max-connections 64] [--soak-seconds 60] [--soak-rate 500]
 *        [--systems direct,proxy,frugal-route,frugal-pii,frugal-task,portkey] [--arrivals constant|poisson]
 *        [--no-max] [--cpu-prof] [--no-writer-thread] [--frugal-node-flags "--trace-gc ..."] [--out file.json]
 *
 * Every system runs in its own child process on 127.0.0.1; the load generator runs here. Systems:
 * - direct: the upstream itself (bench/gateway-servers.ts: a fixed chat completion with usage after --delay-ms);
 * - proxy: a bare Node proxy (node:http + an undici Pool, no logic): what any Node hop costs on this machine;
 * - frugal-route: `frugal serve` (the CLI) forwarding route `bench-route` to the upstream with governance on: a key is
 *   required and checked, its budget reserved and settled, one hash-chained ledger row committed per request;
 * - frugal-pii: the same on route `bench-route-pii` with PII policy `redact` (the text carries an e-mail address and a
 *   phone number, replaced before the upstream sees them and restored in the answer): the guard's cost;
 * - frugal-task: model `banking77`, answered by the compact tier only (a real classifier from `frugal train classify`),
 *   with the exact cache OFF so that every request runs the model (the 3,080 test texts repeat over a run);
 * - portkey: @portkey-ai/gateway 1.15.2 (pinned devDependency), provider openai + custom host = the upstream.
 *
 * Open loop at each rate (constant arrivals by default; latency from the scheduled send, no coordinated omission), in
 * --rounds short runs per system interleaved with the others (the median round is reported, see gateway-report.ts), then
 * autocannon closed loop at max (with where the CPU went: the system's event loop and other threads, the upstream, the
 * generator, and how long the loop waited for a CPU), then an RSS soak of a freshly started frugal (route and task requests alternating at
 * --soak-rate, RSS read from /proc every second; `--soak-seconds 300` for the 5-minute target). A system that is overloaded at a rate is
 * not run at the higher ones. --cpu-prof writes frugal's CPU profile (node --cpu-prof) and prints its hot spots.
 * The machine's cores are shared by the generator, the upstream and the system: the 1-minute load average is printed
 * beside every row. Figures are `measured`.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { processRssMiB, runAtMax, runAtRate, warm, type LoadTarget, type RateRun } from "./gateway-load.ts";
import { summarizeCpuProfile } from "./gateway-profile.ts";
import { combineRounds, maxTable, mostlyOverloaded, overloaded, rateTable, verdicts, verdictTable, type BenchResults, type SoakResult, type SystemInfo } from "./gateway-report.ts";
import { UPSTREAM_MODEL } from "./gateway-servers.ts";
import { banking77Texts, chatBody, ensureClassifier, type FrugalSetup, PII_ROUTE, prepareFrugal, ROOT, ROUTE, startFrugal, startPortkey, startProxy, startUpstream, TASK, type Started } from "./gateway-systems.ts";

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}
function num(name: string, fallback: number): number {
  const v = Number(flag(name));
  return flag(name) !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback;
}

const ALL = ["direct", "proxy", "frugal-route", "frugal-pii", "frugal-task", "portkey"];
const LABELS: Record<string, string> = {
  direct: "direct (upstream)",
  proxy: "bare Node proxy (floor)",
  "frugal-route": "frugal route (gov. on)",
  "frugal-pii": "frugal route + redact",
  "frugal-task": "frugal task (compact)",
  portkey: "Portkey 1.15.2",
};
const PII_SUFFIX = " You can reach me at jane.doe@example.com or on +33 6 12 34 56 78.";

async function main(): Promise<void> {
  const rates = (flag("rates") ?? "200,500,1000,2000").split(",").map(Number).filter((r) => r > 0);
  const seconds = num("seconds", 5);
  const rounds = Math.max(1, Math.round(num("rounds", 3)));
  const taskRate = num("task-rate", 5000);
  const delayMs = num("delay-ms", 0);
  const connections = num("connections", 64);
  const maxSeconds = num("max-seconds", 10);
  const maxConnections = num("max-connections", 64);
  const soakSeconds = num("soak-seconds", 60);
  const soakRate = num("soak-rate", 500);
  const arrivals = flag("arrivals") === "poisson" ? "poisson" : "constant";
  const wanted = (flag("systems") ?? ALL.join(",")).split(",").filter((s) => ALL.includes(s));
  const ids = ALL.filter((id) => wanted.includes(id) || (id === "direct" && wanted.some((w) => w !== "frugal-task")));
  const cpuProf = process.argv.includes("--cpu-prof");
  // Node flags for every `frugal serve` of the run, e.g. "--trace-gc" or "--import ./bench/probes/promoted-heap.mjs".
  const frugalNodeFlags = (flag("frugal-node-flags") ?? "").split(" ").filter((f) => f !== "");
  const workDir = mkdtempSync(join(tmpdir(), "frugal-gateway-bench-"));
  const profDir = join(workDir, "cpu-prof");
  const started: Started[] = [];
  const log = (line: string): void => void process.stderr.write(`[${new Date().toISOString().slice(11, 19)} load ${(loadavg()[0] ?? 0).toFixed(1)}] ${line}\n`);

  try {
    const texts = banking77Texts();
    const upstream = await startUpstream(delayMs, workDir);
    started.push(upstream);
    const upstreamV1 = `http://127.0.0.1:${upstream.port}/v1`;
    const targets = new Map<string, { target: LoadTarget; pid: number }>();
    let frugalRun: { setup: FrugalSetup; started: Started } | undefined;
    const plain = { "content-type": "application/json", authorization: "Bearer sk-bench" };
    const direct = texts.map((t) => chatBody(UPSTREAM_MODEL, t));
    targets.set("direct", { target: { origin: `http://127.0.0.1:${upstream.port}`, path: "/v1/chat/completions", headers: plain, bodies: direct }, pid: upstream.pid });
    if (ids.includes("proxy")) {
      const proxy = await startProxy(upstreamV1, workDir);
      started.push(proxy);
      targets.set("proxy", { target: { origin: `http://127.0.0.1:${proxy.port}`, path: "/v1/chat/completions", headers: plain, bodies: direct }, pid: proxy.pid });
    }
    if (ids.some((id) => id.startsWith("frugal"))) {
      // --no-writer-thread: ledger.writer_thread false (SQLite commits on the event loop), to compare with the default.
      const setup = await prepareFrugal(workDir, upstreamV1, await ensureClassifier(), { writerThread: !process.argv.includes("--no-writer-thread") });
      const frugal = await startFrugal(setup, workDir, cpuProf ? profDir : undefined, frugalNodeFlags);
      started.push(frugal);
      frugalRun = { setup, started: frugal };
      const origin = `http://127.0.0.1:${frugal.port}`;
      const headers = { "content-type": "application/json", authorization: `Bearer ${setup.key}` };
      const at = (bodies: string[]): { target: LoadTarget; pid: number } => ({ target: { origin, path: "/v1/chat/completions", headers, bodies }, pid: frugal.pid });
      targets.set("frugal-route", at(texts.map((t) => chatBody(ROUTE, t))));
      targets.set("frugal-pii", at(texts.map((t) => chatBody(PII_ROUTE, t + PII_SUFFIX))));
      targets.set("frugal-task", at(texts.map((t) => JSON.stringify({ model: TASK, messages: [{ role: "user", content: t }] }))));
      log(`frugal serve on ${origin} (config ${setup.configPath}, data ${setup.dataDir})`);
    }
    if (ids.includes("portkey")) {
      const portkey = await startPortkey(workDir);
      started.push(portkey);
      const headers = { ...plain, "x-portkey-provider": "openai", "x-portkey-custom-host": upstreamV1 };
      targets.set("portkey", { target: { origin: `http://127.0.0.1:${portkey.port}`, path: "/v1/chat/completions", headers, bodies: direct }, pid: portkey.pid });
    }
    const systems: SystemInfo[] = ids.filter((id) => targets.has(id)).map((id) => ({ id, label: LABELS[id] ?? id, forwards: id !== "frugal-task" }));
    const watch = (id: string): Record<string, number> => {
      const pid = targets.get(id)?.pid as number;
      return id === "direct" ? { upstream: pid } : id === "frugal-task" ? { system: pid } : { system: pid, upstream: upstream.pid };
    };
    for (const s of systems) {
      log(`warming ${s.label}`);
      await warm(targets.get(s.id)!.target, 3000, 16);
    }

    const results: BenchResults = { systems, rates: {}, max: {}, soak: undefined, cores: cpus().length };
    const skip = new Set<string>();
    // Each (system, rate) in `rounds` short runs, the systems interleaved and their order rotated every round, so a burst
    // of the machine's other load lands on one round of one system rather than on one system's whole figure.
    const measure = async (ids: string[], rate: number): Promise<void> => {
      const runs = new Map<string, RateRun[]>();
      for (let round = 0; round < rounds; round++) {
        for (const id of ids.map((_, i) => ids[(i + round) % ids.length] as string)) {
          const run = await runAtRate(targets.get(id)!.target, { rate, seconds, connections, arrivals, watch: watch(id), seed: round + 1 });
          runs.set(id, [...(runs.get(id) ?? []), run]);
          log(`${id} @ ${rate}/s round ${round + 1}: ${run.ok}/${run.sent} ok, p50 ${run.latency.p50?.toFixed(2)} p99 ${run.latency.p99?.toFixed(2)} ms${run.firstError !== undefined ? `, first error: ${run.firstError}` : ""}`);
          // Let an overloaded system's backlog clear (and the machine settle) before the next run.
          await new Promise((r) => setTimeout(r, overloaded(run) ? 3000 : 500));
        }
      }
      for (const [id, list] of runs) {
        const combined = combineRounds(list);
        (results.rates[id] ??= []).push(combined);
        if (mostlyOverloaded(combined)) skip.add(id);
      }
    };
    for (const rate of rates) await measure(systems.map((s) => s.id).filter((id) => !skip.has(id)), rate);
    if (taskRate > 0 && !rates.includes(taskRate)) await measure(["direct", "frugal-task"].filter((id) => targets.has(id) && !skip.has(id)), taskRate);

    if (!process.argv.includes("--no-max")) {
      for (const s of systems) {
        // CPU per request of the system (event loop and other threads), of the upstream behind it, and of the generator.
        const pid = targets.get(s.id)!.pid;
        const m = await runAtMax(targets.get(s.id)!.target, maxConnections, maxSeconds, s.forwards && s.id !== "direct" ? { system: pid, upstream: upstream.pid } : { system: pid });
        results.max[s.id] = m;
        log(`${s.id} max: ${m.requestsPerSecond} req/s, ${m.errors} errors`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }

    const route = targets.get("frugal-route");
    const task = targets.get("frugal-task");
    if (soakSeconds > 0 && route !== undefined && task !== undefined && frugalRun !== undefined) {
      // The soak is a run of its own on a fresh `frugal serve` (same config, same data dir), warmed like every system:
      // the closed-loop max runs before it leave a heap sized for 64 connections at full speed, which V8 hands back over
      // the next minutes, and that fall is the previous phase's, not this run's.
      await frugalRun.started.stop();
      started.splice(started.indexOf(frugalRun.started), 1);
      const fresh = await startFrugal(frugalRun.setup, workDir, undefined, frugalNodeFlags);
      started.push(fresh);
      // Route and task requests alternate, so both paths' allocations are in the soak.
      const bodies = route.target.bodies.flatMap((b, i) => [b, task.target.bodies[i] as string]);
      const soakTarget = { ...route.target, origin: `http://127.0.0.1:${fresh.port}`, bodies };
      await warm(soakTarget, 3000, 16);
      const rss: number[] = [];
      log(`RSS soak: ${soakSeconds} s at ${soakRate} req/s on a fresh frugal serve (pid ${fresh.pid})`);
      const run = await runAtRate(soakTarget, { rate: soakRate, seconds: soakSeconds, connections, arrivals, watch: { system: fresh.pid }, onSecond: () => rss.push(processRssMiB(fresh.pid) ?? NaN) });
      const windowS = Math.max(1, Math.min(60, Math.floor(rss.length / 3)));
      const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
      const firstMeanMiB = mean(rss.slice(0, windowS));
      const lastMeanMiB = mean(rss.slice(-windowS));
      results.soak = { seconds: soakSeconds, rate: soakRate, windowS, rssMiB: rss, firstMeanMiB, lastMeanMiB, driftPct: ((lastMeanMiB - firstMeanMiB) / firstMeanMiB) * 100, run } satisfies SoakResult;
    }

    for (const s of [...started].reverse()) await s.stop();
    started.length = 0;

    const header = [
      `gateway bench — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}) shared by the generator, the upstream and the system`,
      `upstream delay ${delayMs} ms; open loop: ${arrivals} arrivals, ${rounds} rounds of ${seconds} s per system and rate (median round shown; p99 rounds: lowest-highest), ${connections} connections, latency from the scheduled send (ms); max: autocannon, ${maxConnections} connections, ${maxSeconds} s`,
      `+p50/+p99: minus direct at the same rate; p99-floor: minus the bare Node proxy; cpu: CPU time per answered request of the system and of the upstream (/proc, 10 ms ticks); load: 1-min load average at the row's start`,
    ];
    const blocks = [header.join("\n")];
    for (const rate of [...new Set([...rates, taskRate])].filter((r) => r > 0)) blocks.push(`## ${rate} req/s\n${rateTable(results, rate)}`);
    if (Object.keys(results.max).length > 0) blocks.push(`## max (closed loop)\n${maxTable(results)}`);
    if (results.soak !== undefined) {
      const s = results.soak;
      blocks.push(`## RSS soak (a fresh frugal serve, ${s.seconds} s at ${s.rate} req/s, route + task alternating)\nRSS MiB every 10 s: ${s.rssMiB.filter((_, i) => i % 10 === 0).map((v) => v.toFixed(1)).join(" ")}\nfirst ${s.windowS} s mean ${s.firstMeanMiB.toFixed(1)} MiB, last ${s.windowS} s mean ${s.lastMeanMiB.toFixed(1)} MiB, drift ${s.driftPct.toFixed(1)}%; latency p50 ${s.run.latency.p50?.toFixed(2)} p99 ${s.run.latency.p99?.toFixed(2)} ms, ${s.run.errors + s.run.abandoned} errors of ${s.run.sent}`);
    }
    const list = verdicts(results, taskRate);
    blocks.push(`## targets (issue 8)\n${verdictTable(list)}`);
    if (cpuProf) {
      // One file per thread (CPU.<date>.<time>.<pid>.<thread>.<seq>): thread 0 is the event loop; the others are tsx's
      // loader and the ledger's WAL checkpoint worker.
      const files = readdirSync(profDir).filter((n) => n.endsWith(".cpuprofile"));
      const main = files.find((n) => n.split(".")[4] === "0");
      blocks.push(`## frugal CPU profile, main thread (${main ?? "none written"}; other threads: ${files.filter((n) => n !== main).join(", ") || "none"})\n${main === undefined ? "" : summarizeCpuProfile(join(profDir, main), ROOT, 25)}`);
    }
    process.stdout.write(`${blocks.join("\n\n")}\n`);
    const out = flag("out") ?? join(workDir, "gateway-bench.json");
    writeFileSync(out, JSON.stringify({ bench: "gateway", date: new Date().toISOString(), node: process.version, cpus: cpus().length, options: { rates, seconds, rounds, taskRate, delayMs, connections, maxSeconds, maxConnections, soakSeconds, soakRate, arrivals }, results, targets: list, provenance: "measured" }, null, 1));
    process.stderr.write(`results: ${out}${cpuProf ? `, profile in ${profDir}` : ""}\n`);
  } finally {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  }
}

await main();
