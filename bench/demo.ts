/**
 * Times `npm run demo` end to end (target ≤ 3 minutes on a 2-core machine), as a fresh clone would run it and as a rerun
 * would:
 *   - cold: the demo in an empty working folder, so the compact model is trained (no .frugal/models cache) and every
 *     request is measured (no results file to resume from);
 *   - warm: the same folder again with --fresh: the cached model is reused, every request is measured again.
 *
 *   node --import tsx bench/demo.ts [--json] [--warm-only]
 *
 * Each run is `node bin/frugal.js demo --out <tmp>/frugal-report [--fresh]` in a child process, wall time from spawn to
 * exit (node and tsx start-up included, as for a user). FRUGAL_LLM_BASE_URL is cleared: the offline demo.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const TARGET_S = 180;

function runDemo(cwd: string, fresh: boolean): Promise<{ seconds: number; code: number | null; tail: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "bin/frugal.js"), "demo", "--out", join(cwd, "frugal-report"), ...(fresh ? ["--fresh"] : [])], {
    cwd,
    env: { ...process.env, FRUGAL_LLM_BASE_URL: "", FRUGAL_NO_PROGRESS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => resolve({ seconds: (performance.now() - started) / 1000, code, tail: output.trim().split("\n").slice(-16).join("\n") }));
  });
}

async function main(): Promise<void> {
  const asJson = process.argv.includes("--json");
  const cwd = mkdtempSync(join(tmpdir(), "frugal-demo-bench-"));
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", load_average_1m_before: loadavg()[0], node: process.version };
  const runs: Array<{ name: string; seconds: number; code: number | null; within_target: boolean }> = [];
  let lastTail = "";
  for (const [name, fresh] of (process.argv.includes("--warm-only") ? [["warm", true]] : [["cold", false], ["warm", true]]) as Array<[string, boolean]>) {
    if (!asJson) process.stderr.write(`running the demo (${name})...\n`);
    const run = await runDemo(cwd, fresh);
    runs.push({ name, seconds: Math.round(run.seconds * 10) / 10, code: run.code, within_target: run.code === 0 && run.seconds <= TARGET_S });
    lastTail = run.tail;
    if (run.code !== 0) break;
  }
  const report = {
    date: new Date().toISOString(),
    machine: { ...machine, load_average_1m_after: loadavg()[0] },
    target_s: TARGET_S,
    runs,
    report_written: existsSync(join(cwd, "frugal-report/index.html")),
    provenance: "measured",
  };
  if (asJson) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`${lastTail}\n\n`);
    process.stdout.write(`machine: ${machine.cpus} CPUs (${machine.model}), load average ${machine.load_average_1m_before?.toFixed(2)} before, ${report.machine.load_average_1m_after?.toFixed(2)} after\n`);
    for (const r of runs) process.stdout.write(`demo ${r.name}: ${r.seconds} s (exit ${r.code}) — target ≤ ${TARGET_S} s: ${r.within_target ? "met" : "NOT met"}\n`);
  }
}

await main();
