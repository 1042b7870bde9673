import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrugalError } from "../core/errors.ts";
import { scaledDenseProfile } from "./energy-profiles.ts";
import { BUILTIN_HARDWARE } from "../plan/catalog-hardware.ts";
import { createMeter, gpuHourPriceFromRows, gpuSecondsForTokens } from "./meter.ts";

const close = (actual: number | null, expected: number, label = "") => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12 * Math.max(1, Math.abs(expected)), `${label} ${actual} ≠ ${expected}`);
};
const isError = (code: string, text: string) => (e: unknown) => e instanceof FrugalError && e.code === code && e.message.includes(text);
const FRESH = new Date(Date.UTC(2025, 10, 1));

test("token cost is tokens × list price, modeled, with its source", () => {
  const meter = createMeter({ now: FRESH });
  const cost = meter.costOfTokens("gpt-4o", 1000, 500);
  close(cost.usd, 0.0075, "1000 × $2.50/1M + 500 × $10/1M");
  assert.equal(cost.provenance, "modeled");
  assert.equal(cost.quantityProvenance, "measured");
  assert.match(cost.source, /openai\/gpt-4o \$2\.5\/\$10 per 1M .*openai\.com\/api\/pricing.*as of 2025-08/);
  close(meter.costOfTokens("groq/llama-3.3-70b-versatile", 2_000_000, 1_000_000, "modeled").usd, 1.97, "2 × 0.59 + 0.79");
  close(meter.costOfTokens("claude-haiku-4-5", 0, 0).usd, 0);
  assert.throws(() => meter.costOfTokens("gpt-4o", -1, 0), isError("input_invalid", "inputTokens"));
  assert.throws(() => meter.costOfTokens("gpt-4o", 1, Number.NaN), isError("input_invalid", "outputTokens"));
  assert.throws(() => meter.costOfTokens("gpt-4-omni", 1, 1), isError("config_invalid", "close matches"));
});

test("config overrides win, and a bad prices block names its key path", () => {
  const meter = createMeter({ prices: { overrides: [{ model: "gpt-4o", input_usd_per_1m: 1, output_usd_per_1m: 2, source: "contract", date: "2026-01" }] }, now: FRESH });
  close(meter.costOfTokens("openai/gpt-4o", 1_000_000, 1_000_000).usd, 3);
  assert.match(meter.costOfTokens("gpt-4o", 1, 1).source, /override, contract/);
  assert.throws(
    () => createMeter({ prices: { overrides: [{ model: "x", input_usd_per_1m: -1, output_usd_per_1m: 1 }] } }),
    isError("config_invalid", "overrides[0].input_usd_per_1m"),
  );
  assert.throws(() => createMeter({ prices: { core_hour_usd: 0 } }), isError("config_invalid", "core_hour_usd"));
});

test("a prices.catalog file replaces the built-in catalog, relative to the config folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-meter-"));
  writeFileSync(join(dir, "p.json"), JSON.stringify({ catalog_version: "2026-03", models: [{ provider: "acme", model: "m", input_usd_per_1m: 4, output_usd_per_1m: 8, source: "https://acme.example", as_of: "2026-03" }] }));
  const meter = createMeter({ prices: { catalog: "p.json" }, baseDir: dir, now: FRESH });
  close(meter.costOfTokens("acme/m", 250_000, 0).usd, 1);
  assert.throws(() => meter.costOfTokens("gpt-4o", 1, 1), isError("config_invalid", "no price"));
  assert.equal(meter.describe().catalogVersion, "2026-03");
});

test("CPU time is priced per core-hour: the dated default or the configured one", () => {
  const meter = createMeter({ now: FRESH });
  close(meter.costOfCpu(3_600_000).usd, 0.08925 / 2, "one core-hour of c7i.large");
  assert.match(meter.costOfCpu(1).source, /c7i\.large/);
  const custom = createMeter({ prices: { core_hour_usd: 0.1 }, now: FRESH });
  close(custom.costOfCpu(36_000).usd, 0.001, "36 s at $0.10/h");
  assert.equal(custom.costOfCpu(5, "modeled").quantityProvenance, "modeled");
});

test("GPU-seconds are priced from the config first, then the planner's catalog, else a clear error", () => {
  const planner = (gpu: string) => (gpu === "h100" ? { usdPerHour: 4, source: "planner hardware catalog", date: "2025-09" } : undefined);
  close(createMeter({ prices: { gpu_hour_usd: 2.5 }, gpuHourPrice: planner }).costOfGpuSeconds("h100", 1800).usd, 1.25);
  close(createMeter({ prices: { gpu_hour_usd: { H100: 3 } } }).costOfGpuSeconds("h100", 3600).usd, 3);
  const fromPlanner = createMeter({ gpuHourPrice: planner }).costOfGpuSeconds("h100", 900);
  close(fromPlanner.usd, 1);
  assert.match(fromPlanner.source, /planner hardware catalog, 2025-09/);
  assert.throws(() => createMeter({ gpuHourPrice: planner }).costOfGpuSeconds("l4", 1), isError("config_invalid", "prices.gpu_hour_usd"));
});

test("the planner's hardware rows plug in as the $/GPU-hour source, by id or name", () => {
  const h100 = BUILTIN_HARDWARE.find((h) => h.id === "h100-sxm");
  assert.ok(h100 !== undefined && h100.cloudUsdPerHour > 0);
  const meter = createMeter({ gpuHourPrice: gpuHourPriceFromRows(BUILTIN_HARDWARE) });
  close(meter.costOfGpuSeconds("H100-SXM", 3600).usd, h100.cloudUsdPerHour);
  close(meter.costOfGpuSeconds(h100.name, 1800).usd, h100.cloudUsdPerHour / 2);
  assert.match(meter.costOfGpuSeconds("h100-sxm", 1).source, /h100-sxm: NVIDIA H100/);
  assert.throws(() => meter.costOfGpuSeconds("tpu-v9", 1), isError("config_invalid", "tpu-v9"));
});

test("self-hosted tokens cost the GPU time they hold at the deployment's throughput", () => {
  const tokens = { inputTokens: 2000, outputTokens: 1000 };
  close(gpuSecondsForTokens(tokens, { outputTokensPerSecond: 500, inputTokensPerSecond: 10_000, provenance: "modeled" }), 2.2);
  close(gpuSecondsForTokens(tokens, { outputTokensPerSecond: 500, provenance: "measured" }), 2);
  const meter = createMeter({ prices: { gpu_hour_usd: 3.6 } });
  const cost = meter.costOfSelfHostedTokens("h100", tokens, { outputTokensPerSecond: 500, inputTokensPerSecond: 10_000, provenance: "modeled" });
  close(cost.usd, 0.0022, "2.2 s at $3.60/h");
  assert.equal(cost.quantityProvenance, "modeled");
  assert.throws(() => gpuSecondsForTokens(tokens, { outputTokensPerSecond: 0, provenance: "measured" }), isError("input_invalid", "outputTokensPerSecond"));
});

test("energy: built-in profiles are modeled and cited, unknown energy is not_measured, unknown models fail", () => {
  const meter = createMeter({ now: FRESH });
  const gpt = meter.energyOfTokens("gpt-4o-2024-08-06", 100, 10);
  close(gpt.joules, 100 * 0.8 + 10 * 2.2);
  assert.equal(gpt.provenance, "modeled");
  assert.match(gpt.source, /Epoch AI/);
  const llama = meter.energyOfTokens("groq/llama-3.3-70b-versatile", 1000, 100);
  close(llama.joules, 1000 * 0.2 + 100 * 1.1);
  assert.match(llama.source, /ML\.ENERGY/);
  assert.equal(meter.energyOfTokens("gpt-4o-mini", 10, 10).provenance, "not_measured", "no published profile for gpt-4o-mini");
  assert.equal(meter.energyOfTokens("claude-sonnet-4", 10, 10).joules, null);
  assert.throws(() => meter.energyOfTokens("gtp-4o", 1, 1), isError("config_invalid", "close matches: gpt-4o"));
});

test("energy: config profiles win, then the injected self-hosted source, and PUE scales everything", () => {
  const injected = (model: string, i: number, o: number) => (model === "local-70b" ? { joules: i + o, provenance: "modeled" as const, source: "planner" } : undefined);
  const meter = createMeter({
    energy: { profiles: [{ model: "gpt-4o", j_per_input_token: 1, j_per_output_token: 1, source: "our own measurement" }], pue: 1.5, watts_per_core: 10 },
    selfHostedEnergy: injected,
  });
  close(meter.energyOfTokens("openai/gpt-4o", 3, 1).joules, 6, "(3 + 1) J × PUE 1.5");
  assert.deepEqual(meter.energyOfTokens("local-70b", 3, 4), { joules: 7, provenance: "modeled", source: "planner" });
  close(meter.energyOfCpu(2000).joules, 30, "2 s × 10 W × 1.5");
  close(createMeter().energyOfCpu(1000).joules, 3.5, "CCF AWS 3.5 W per vCPU");
  assert.equal(createMeter().energyOfCpu(1).provenance, "modeled");
});

test("the dense-model scaling reproduces its reference point and scales by parameters", () => {
  const p8 = scaledDenseProfile("x", 8.03e9, []);
  assert.equal(p8.joulesPerOutputToken, 0.12);
  assert.equal(p8.joulesPerInputToken, 0.023);
  const p70 = scaledDenseProfile("y", 70.6e9, []);
  assert.equal(p70.joulesPerOutputToken, 1.1);
  assert.equal(p70.joulesPerInputToken, 0.2);
});

test("warnings: an old catalog and an undated override are reported, a fresh catalog is not", () => {
  assert.deepEqual(createMeter({ now: FRESH }).warnings, []);
  const late = createMeter({ now: new Date(Date.UTC(2026, 10, 27)), prices: { overrides: [{ model: "m", input_usd_per_1m: 1, output_usd_per_1m: 1 }] } });
  assert.equal(late.warnings.length, 2);
  assert.match(late.warnings[0] ?? "", /price catalog 2025-10 is \d+ days old/);
  assert.match(late.warnings[1] ?? "", /"m" has no date/);
  assert.ok((late.describe().catalogAgeDays ?? 0) > 365);
});
