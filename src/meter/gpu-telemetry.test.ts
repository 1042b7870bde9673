import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseField, parseSampleLine, summarizeGpu } from "./gpu-telemetry-parse.ts";
import { startGpuTelemetry } from "./gpu-telemetry.ts";

const FAKE_DIR = resolve("test/fixtures/fake-nvidia-smi");

/** Waits for a condition without asserting how long it takes (the CI machine may be slow). */
async function until(condition: () => boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > deadlineMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(25);
  }
}
const withFake = (dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${dir}${delimiter}${process.env.PATH ?? ""}`,
  ...extra,
});

test("fields: numbers with or without units; N/A placeholders are null, never 0", () => {
  assert.equal(parseField(" 245.31 "), 245.31);
  assert.equal(parseField("245.31 W"), 245.31);
  assert.equal(parseField("81559 MiB"), 81559);
  assert.equal(parseField("87 %"), 87);
  for (const na of ["[N/A]", "[Not Supported]", "[Unknown Error]", "N/A", "", "   ", "abc", undefined]) assert.equal(parseField(na), null, String(na));
});

test("lines: GPU rows parse, names with commas survive, headers and warnings are skipped", () => {
  const s = parseSampleLine("0, NVIDIA H100 80GB HBM3, 87, 40213, 81559, 512.40, 123456789", 10);
  assert.deepEqual(s, { atMs: 10, index: 0, name: "NVIDIA H100 80GB HBM3", utilizationPct: 87, memoryUsedMiB: 40213, memoryTotalMiB: 81559, powerW: 512.4, energyMj: 123456789 });
  assert.equal(parseSampleLine("1, Odd, Name, 5, 1, 2, [N/A], [N/A]", 0)?.name, "Odd, Name");
  assert.equal(parseSampleLine("1, Odd, Name, 5, 1, 2, [N/A], [N/A]", 0)?.powerW, null);
  for (const junk of ["index, name, utilization.gpu [%], memory.used [MiB]", "", "No devices were found", "x, y, 1, 2, 3, 4, 5"]) {
    assert.equal(parseSampleLine(junk, 0), null, junk);
  }
});

test("energy: counter delta when every sample has it, else the power integral", () => {
  const row = (atMs: number, powerW: number | null, energyMj: number | null) => ({ atMs, index: 0, name: "g", utilizationPct: 50, memoryUsedMiB: 1, memoryTotalMiB: 2, powerW, energyMj });
  const counter = summarizeGpu([row(0, 100, 1_000_000), row(1000, 300, 1_250_000)]);
  assert.equal(counter.energySource, "counter");
  assert.equal(counter.energyJ, 250);
  // Trapezoid: (100 + 300) / 2 W × 1 s = 200 J.
  const integral = summarizeGpu([row(0, 100, null), row(1000, 300, null)]);
  assert.equal(integral.energySource, "power_integral");
  assert.equal(integral.energyJ, 200);
  const unknown = summarizeGpu([row(0, null, null), row(1000, null, null)]);
  assert.equal(unknown.energyJ, null);
  assert.equal(unknown.meanPowerW, null);
});

test("with a fake nvidia-smi on PATH: measured utilization, peak memory and counter energy", async () => {
  const session = await startGpuTelemetry({ intervalMs: 100, env: withFake(FAKE_DIR, { FAKE_NVIDIA_SMI_GPUS: "2", FAKE_NVIDIA_SMI_POWER_W: "250" }) });
  assert.equal(session.active, true);
  await until(() => session.samples >= 8, "4 samples per GPU");
  const summary = await session.stop();
  assert.equal(summary.provenance, "measured");
  assert.equal(summary.complete, true);
  assert.equal(summary.gpus.length, 2);
  assert.ok(summary.samples >= 10, `samples ${summary.samples}`); // the loop's, plus the opening and closing queries
  assert.equal(summary.meanUtilizationPct, 40); // GPU 0 at 60%, GPU 1 at 20%
  assert.equal(summary.peakMemoryUsedMiB, 31000);
  assert.equal(summary.meanPowerW, 500);
  assert.equal(summary.energySource, "counter");
  // Each fake GPU's counter grows at 250 W of wall time, so the counter delta is 250 W × the sampled window.
  for (const gpu of summary.gpus) {
    const expected = (250 * gpu.windowMs) / 1000;
    assert.ok(gpu.energyJ !== null && Math.abs(gpu.energyJ - expected) <= expected * 0.15 + 12, `energy ${gpu.energyJ} vs ~${expected}`);
  }
});

test("a driver without power, energy or utilization fields: those figures are null, memory is still measured", async () => {
  const session = await startGpuTelemetry({ intervalMs: 100, env: withFake(FAKE_DIR, { FAKE_NVIDIA_SMI_MODE: "na" }) });
  await until(() => session.samples >= 3, "3 samples");
  const summary = await session.stop();
  assert.equal(summary.provenance, "measured");
  assert.equal(summary.meanUtilizationPct, null);
  assert.equal(summary.meanPowerW, null);
  assert.equal(summary.energyJ, null);
  assert.equal(summary.peakMemoryUsedMiB, 30000);
});

test("no nvidia-smi on PATH, or a driver that does not answer: not_measured, with the reason", async () => {
  const empty = mkdtempSync(join(tmpdir(), "frugal-no-gpu-"));
  const absent = await startGpuTelemetry({ env: { ...process.env, PATH: empty } });
  assert.equal(absent.active, false);
  const none = await absent.stop();
  assert.equal(none.provenance, "not_measured");
  assert.match(none.reason ?? "", /not found on PATH/);
  const failing = await (await startGpuTelemetry({ env: withFake(FAKE_DIR, { FAKE_NVIDIA_SMI_MODE: "fail" }) })).stop();
  assert.equal(failing.provenance, "not_measured");
  assert.match(failing.reason ?? "", /couldn't communicate with the NVIDIA driver/);
});

test("nvidia-smi disappearing mid-run: the sampled window is kept and the summary says it is incomplete", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-vanishing-gpu-"));
  copyFileSync(join(FAKE_DIR, "nvidia-smi"), join(dir, "nvidia-smi"));
  // The loop process dies after 3 samples; the binary is deleted while it runs, so the restart fails.
  const session = await startGpuTelemetry({ intervalMs: 100, restartDelayMs: 1500, env: withFake(dir, { FAKE_NVIDIA_SMI_EXIT_AFTER: "3" }) });
  await until(() => session.samples >= 2, "the first loop sample");
  rmSync(join(dir, "nvidia-smi"));
  await until(() => !session.active, "the loss of nvidia-smi to be noticed");
  const summary = await session.stop();
  assert.equal(summary.provenance, "measured");
  assert.equal(summary.complete, false);
  assert.ok(summary.samples >= 2 && summary.samples <= 5, `samples ${summary.samples}`);
  assert.ok(summary.notes.some((n) => n.includes("exited")), summary.notes.join("; "));
  assert.ok(summary.notes.some((n) => n.includes("could not be restarted")), summary.notes.join("; "));
  assert.ok(summary.energyJ !== null && summary.energyJ > 0);
});
