/**
 * GPU telemetry during a run, from `nvidia-smi` when it is on PATH: one long-lived `nvidia-smi ... -lms N` process streams
 * a CSV line per GPU per interval (cheaper and steadier than spawning a query per sample). The summary gives mean
 * utilization, peak memory and energy (hardware counter delta, or integrated power) with provenance `measured`; without
 * nvidia-smi, or with a driver that does not answer, it is `not_measured` and says why. If nvidia-smi dies mid-run it is
 * restarted; if it is gone, the figures cover the sampled window and the summary says the run was not fully covered.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { maxOf, mean, parseSampleLine, QUERY_FIELDS, summarizeGpu, type GpuSample, type GpuSummary } from "./gpu-telemetry-parse.ts";

export interface GpuTelemetryOptions {
  /** Sampling period; nvidia-smi's own floor is about 100 ms on most drivers. */
  intervalMs?: number;
  /** Environment for the child (PATH decides which nvidia-smi runs); default process.env. */
  env?: NodeJS.ProcessEnv;
  command?: string;
  /** How long the first query may take before the GPU is declared unreachable. */
  probeTimeoutMs?: number;
  /** Restarts tried when nvidia-smi exits during the run. */
  maxRestarts?: number;
  /** Wait before a restart (default: one interval). */
  restartDelayMs?: number;
}

export interface GpuTelemetrySummary {
  provenance: "measured" | "not_measured";
  reason?: string;
  gpus: GpuSummary[];
  samples: number;
  durationMs: number;
  /** Mean over GPUs of each GPU's mean utilization.gpu (%). */
  meanUtilizationPct: number | null;
  peakMemoryUsedMiB: number | null;
  /** Sum over GPUs of mean board power. */
  meanPowerW: number | null;
  /** Sum over GPUs; null when any GPU's energy is unknown (a partial sum would understate it). */
  energyJ: number | null;
  energySource: "counter" | "power_integral" | "mixed" | null;
  /** False when nvidia-smi stopped answering before stop(): the figures cover only the sampled window. */
  complete: boolean;
  notes: string[];
  /** Every row read, in order (one per GPU per interval), for a time series; callers downsample it. */
  rows?: GpuSample[];
}

export interface GpuTelemetrySession {
  /** True while nvidia-smi is being sampled (false when it was never found, or was lost mid-run). */
  readonly active: boolean;
  /** Sample rows read so far (one per GPU per interval). */
  readonly samples: number;
  stop(): Promise<GpuTelemetrySummary>;
}

const FORMAT = "--format=csv,noheader,nounits";
const QUERY = `--query-gpu=${QUERY_FIELDS.join(",")}`;

function notMeasuredSummary(reason: string): GpuTelemetrySummary {
  return {
    provenance: "not_measured",
    reason,
    gpus: [],
    samples: 0,
    durationMs: 0,
    meanUtilizationPct: null,
    peakMemoryUsedMiB: null,
    meanPowerW: null,
    energyJ: null,
    energySource: null,
    complete: false,
    notes: [],
    rows: [],
  };
}

function queryOnce(command: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ ok: true; stdout: string } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    execFile(command, [QUERY, FORMAT], { env, timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error === null) return resolve({ ok: true, stdout });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return resolve({ ok: false, reason: `${command} not found on PATH` });
      const said = (stderr || stdout).trim().split("\n")[0] ?? "";
      resolve({ ok: false, reason: `${command} failed${said ? `: ${said}` : ` (${error.message})`}` });
    });
  });
}

function inert(reason: string): GpuTelemetrySession {
  return { active: false, samples: 0, stop: async () => notMeasuredSummary(reason) };
}

export async function startGpuTelemetry(options: GpuTelemetryOptions = {}): Promise<GpuTelemetrySession> {
  const intervalMs = Math.max(50, Math.round(options.intervalMs ?? 500));
  const env = options.env ?? process.env;
  const command = options.command ?? "nvidia-smi";
  const probe = await queryOnce(command, env, options.probeTimeoutMs ?? 5000);
  if (!probe.ok) return inert(probe.reason);
  const started = performance.now();
  const samples: GpuSample[] = [];
  const take = (text: string) => {
    const at = performance.now();
    for (const line of text.split("\n")) {
      const sample = parseSampleLine(line, at);
      if (sample !== null) samples.push(sample);
    }
  };
  take(probe.stdout);
  if (samples.length === 0) return inert(`${command} answered but printed no GPU rows`);

  const notes: string[] = [];
  let stopped = false;
  let lost = false;
  let restarts = 0;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = () => {
    const proc = spawn(command, [QUERY, FORMAT, "-lms", String(intervalMs)], { env, stdio: ["ignore", "pipe", "ignore"] });
    child = proc;
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => take(line));
    exited = new Promise((resolve) => {
      proc.once("error", (error: NodeJS.ErrnoException) => {
        lost = true;
        notes.push(`${command} could not be restarted (${error.code ?? error.message}) after ${((performance.now() - started) / 1000).toFixed(1)} s`);
        resolve();
      });
      proc.once("close", (code, signal) => {
        if (!stopped && !lost) {
          notes.push(`${command} exited (${signal ?? `code ${code}`}) after ${((performance.now() - started) / 1000).toFixed(1)} s`);
          if (restarts < (options.maxRestarts ?? 3)) {
            restarts += 1;
            setTimeout(() => {
              if (!stopped) launch();
            }, options.restartDelayMs ?? intervalMs);
          } else {
            lost = true;
          }
        }
        resolve();
      });
    });
  };
  launch();

  return {
    get active() {
      return !stopped && !lost;
    },
    get samples() {
      return samples.length;
    },
    async stop() {
      stopped = true;
      const proc = child as ChildProcess | null;
      if (proc !== null && proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      }
      // A closing reading, so the energy counter spans the whole run and not just up to the last loop line.
      if (!lost) {
        const last = await queryOnce(command, env, options.probeTimeoutMs ?? 5000);
        if (last.ok) take(last.stdout);
        else {
          lost = true;
          notes.push(`closing query failed: ${last.reason}`);
        }
      }
      return summarize(samples, performance.now() - started, !lost, notes);
    },
  };
}

function summarize(samples: GpuSample[], durationMs: number, complete: boolean, notes: string[]): GpuTelemetrySummary {
  const byIndex = new Map<number, GpuSample[]>();
  for (const s of samples) {
    const list = byIndex.get(s.index);
    if (list === undefined) byIndex.set(s.index, [s]);
    else list.push(s);
  }
  const gpus = [...byIndex.values()].map(summarizeGpu).sort((a, b) => a.index - b.index);
  const known = <K extends keyof GpuSummary>(key: K) => gpus.map((g) => g[key]).filter((v): v is NonNullable<GpuSummary[K]> => v !== null);
  const utilization = known("meanUtilizationPct") as number[];
  const memory = known("peakMemoryUsedMiB") as number[];
  const power = known("meanPowerW") as number[];
  const sources = new Set(gpus.map((g) => g.energySource));
  const energyKnown = gpus.length > 0 && gpus.every((g) => g.energyJ !== null);
  return {
    provenance: "measured",
    gpus,
    samples: samples.length,
    durationMs,
    meanUtilizationPct: mean(utilization),
    peakMemoryUsedMiB: maxOf(memory),
    meanPowerW: power.length === gpus.length && power.length > 0 ? power.reduce((a, b) => a + b, 0) : null,
    energyJ: energyKnown ? gpus.reduce((a, g) => a + (g.energyJ as number), 0) : null,
    energySource: !energyKnown ? null : sources.size === 1 ? ([...sources][0] ?? null) : "mixed",
    complete,
    notes,
    rows: samples,
  };
}
