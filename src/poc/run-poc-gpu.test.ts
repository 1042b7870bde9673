/**
 * GPU telemetry through a whole (small) PoC: a fake nvidia-smi on PATH (test/fixtures/fake-nvidia-smi: two GPUs at 60% and
 * 20% utilization, 250 W each), the runner samples it, results.json carries the summary figures and a bounded series,
 * and the report shows the GPU section and draws its chart, every figure badged `measured`. The LLM is modeled (no
 * endpoint), so nothing here needs a network or a GPU.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import type { GpuSample } from "../meter/gpu-telemetry-parse.ts";
import { CHROMIUM_PATH, launchReportBrowser, openReport } from "../report/chromium-harness.ts";
import { tableClassifier } from "../tiers/testing.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import { gpuSeries, MAX_GPU_SERIES_POINTS } from "./gpu-section.ts";
import type { GpuTelemetrySection } from "../results/types.ts";
import { runPoc } from "./run-poc.ts";

const labels = ["card_arrival", "pin_blocked", "exchange_rate"];
const rows = Array.from({ length: 30 }, (_, i) => ({ text: `message ${i} about ${labels[i % 3]}`, label: labels[i % 3] as string }));
const table = Object.fromEntries(rows.map((r, i) => [r.text, { label: r.label, confidence: i % 2 === 0 ? 0.95 : 0.4 }]));
const loader: CompactLoader = {
  load: ({ file }) => ({ model: tableClassifier(labels, table, 0.8), id: `table#${file}`, file, trained: false, info: {} }),
  trainOrReuse: async () => {
    throw new Error("not used");
  },
};
const CONFIG = `
task: { name: intents, kind: classify, dataset: { path: data.csv, text: text, label: category }, labels: [${labels.join(", ")}] }
tiers:
  compact: { kind: compact, model: table.frugal }
  big-llm: { kind: llm, model: gpt-4o-mini, modeled: { planner_model: llama-3.1-8b } }
pipelines:
  - { name: dense, tiers: [big-llm] }
  - { name: frugal, tiers: [compact, big-llm] }
load: { kind: constant, rate: 100, items: 60, warmup: 0, repeat: { kind: cycle } }
slo: { p95_ms: 2000 }
quality_target: 0.9
`;

test("series: readings grouped per interval (power summed, utilization averaged, memory of the busiest GPU), bounded, in time order", () => {
  const sample = (atMs: number, index: number, utilizationPct: number | null, powerW: number | null): GpuSample => ({
    atMs, index, name: "g", utilizationPct, memoryUsedMiB: 1000 * (index + 1), memoryTotalMiB: 81559, powerW, energyMj: null,
  });
  const rowsOf = (intervals: number) => Array.from({ length: intervals }, (_, k) => [sample(k * 100, 0, 60, 250), sample(k * 100 + 0.2, 1, 20, 250)]).flat();
  const short = gpuSeries(rowsOf(4));
  assert.deepEqual(short[1], { t_s: 0.1, utilization_pct: 40, memory_used_mib: 2000, power_w: 500 });
  assert.equal(short.length, 4, "a short run keeps every reading");
  const long = gpuSeries(rowsOf(5000));
  assert.ok(long.length <= MAX_GPU_SERIES_POINTS && long.length >= MAX_GPU_SERIES_POINTS / 2, `${long.length} points`);
  assert.ok(long.every((p, i) => i === 0 || p.t_s > (long[i - 1]?.t_s ?? 0)));
  assert.ok(long.every((p) => p.power_w === 500 && p.utilization_pct === 40));
  // A GPU without a power reading makes the interval's total unknown, not smaller.
  assert.equal(gpuSeries([sample(0, 0, 50, null), sample(0.1, 1, 50, 250)])[0]?.power_w, null);
  assert.deepEqual(gpuSeries([]), []);
});

test("a PoC with nvidia-smi on PATH: measured GPU figures and a series in results, the GPU section and chart in the report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-poc-gpu-"));
  try {
    writeFileSync(join(dir, "data.csv"), ["text,category", ...rows.map((r) => `${r.text},${r.label}`)].join("\n"));
    writeFileSync(join(dir, "poc.yaml"), CONFIG);
    const env = { PATH: `${resolve("test/fixtures/fake-nvidia-smi")}${delimiter}${process.env.PATH ?? ""}`, FAKE_NVIDIA_SMI_GPUS: "2" };
    const out = join(dir, "report");
    const { results, report } = await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env, compactLoader: loader, fresh: true });
    const gpu = results.gpu_telemetry as GpuTelemetrySection;
    assert.deepEqual(gpu.gpus, ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB"]);
    assert.deepEqual(gpu.utilization_pct, { value: 40, provenance: "measured" });
    assert.deepEqual(gpu.power_w, { value: 500, provenance: "measured" });
    assert.equal(gpu.energy_kwh?.provenance, "measured");
    const samples = gpu.samples ?? [];
    assert.ok(samples.length >= 2 && samples.length <= MAX_GPU_SERIES_POINTS, `${samples.length} samples`);
    assert.ok(samples.every((s) => s.utilization_pct === 40 && s.power_w === 500 && s.memory_used_mib === 31000));
    const written = JSON.parse(readFileSync(report.resultsJson, "utf8")) as { gpu_telemetry: GpuTelemetrySection };
    assert.equal(written.gpu_telemetry.samples?.length, samples.length, "the series is in results.json");

    const html = readFileSync(report.indexHtml, "utf8");
    const section = html.slice(html.indexOf('<section id="gpu">'), html.indexOf("</section>", html.indexOf('<section id="gpu">')));
    assert.ok(section.length > 0, "the GPU section is rendered");
    for (const label of ["Utilization %", "Memory used MiB", "Power W", "Energy kWh"]) assert.ok(section.includes(`>${label}<`), label);
    assert.equal(section.match(/class="badge b-measured"/g)?.length, 4, "every GPU figure badged measured");
    assert.ok(section.includes('id="chart-gpu"'));
    assert.ok(readFileSync(report.summaryMd, "utf8").includes("- Utilization %: 40 _(measured)_"));

    if (!existsSync(CHROMIUM_PATH)) return; // the browser half needs chromium (CI has it)
    const browser = await launchReportBrowser();
    try {
      const opened = await openReport(browser, report.indexHtml);
      assert.deepEqual([...opened.consoleErrors, ...opened.pageErrors], []);
      // The utilization series (teal) and the power series (orange) are drawn on the GPU chart's canvas.
      const drawn = (await opened.page.evaluate(`(() => {
        const canvas = document.querySelector("#chart-gpu canvas");
        if (!canvas) return [0, 0];
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        const near = (p, c) => Math.abs(data[p] - c[0]) < 40 && Math.abs(data[p + 1] - c[1]) < 40 && Math.abs(data[p + 2] - c[2]) < 40 && data[p + 3] > 200;
        let teal = 0, orange = 0;
        for (let p = 0; p < data.length; p += 4) { if (near(p, [15, 118, 110])) teal++; if (near(p, [194, 65, 12])) orange++; }
        return [teal, orange];
      })()`)) as number[];
      assert.ok((drawn[0] ?? 0) > 50 && (drawn[1] ?? 0) > 50, `GPU chart pixels ${drawn.join(", ")}`);
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
