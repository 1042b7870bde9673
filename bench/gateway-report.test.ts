import assert from "node:assert/strict";
import { test } from "node:test";
import type { MaxRun } from "./gateway-load.ts";
import { type BenchResults, maxTable, passThroughBudget } from "./gateway-report.ts";

function maxRun(requestsPerSecond: number, cpu: MaxRun["cpu"]): MaxRun {
  return { connections: 64, seconds: 10, requestsPerSecond, errors: 0, latency: { p50: 1, p90: 2, p99: 3, max: 4 }, loadavg1m: { before: 1, after: 1 }, ...(cpu !== undefined ? { cpu } : {}) };
}

const results: BenchResults = {
  systems: [
    { id: "direct", label: "direct", forwards: true },
    { id: "proxy", label: "proxy", forwards: true },
    { id: "frugal-route", label: "frugal route", forwards: true },
  ],
  rates: {},
  max: {
    direct: maxRun(16000, { systemMain: 60, systemOthers: 2, upstream: null, generator: 50, cores: 1.8, mainLoopBusy: 0.96, mainLoopWaiting: 0.02, machineCores: 1.9 }),
    proxy: maxRun(10000, { systemMain: 80, systemOthers: 10, upstream: 60, generator: 40, cores: 1.9, mainLoopBusy: 0.8, mainLoopWaiting: 0.1, machineCores: 1.95 }),
    "frugal-route": maxRun(5000, { systemMain: 190, systemOthers: 40, upstream: 60, generator: 45, cores: 1.67, mainLoopBusy: 0.85, mainLoopWaiting: 0.12, machineCores: null }),
  },
  soak: undefined,
  cores: 2,
};

test("the pass-through budget splits the machine's CPU per request: the whole path, the upstream and generator, the gateway", () => {
  const line = passThroughBudget(results, 8000);
  // 2 cores / 8,000 req/s = 250 µs per request; 60 + 40 µs behind the proxy leave 150 for a gateway; its loop, 125.
  assert.match(line ?? "", /allow 250 µs .* used 100 µs .* leaving 150 µs for a gateway \(its event loop alone at most 125 µs\); the bare proxy used 90 µs, frugal route 230 µs \(loop 190\)/);
  assert.match(line ?? "", /^derived, not measured/);
});

test("no budget line without the proxy's and the route's CPU figures", () => {
  assert.equal(passThroughBudget({ ...results, max: { "frugal-route": results.max["frugal-route"]! } }, 8000), undefined);
  assert.equal(passThroughBudget({ ...results, max: { ...results.max, proxy: maxRun(10000, undefined) } }, 8000), undefined);
});

test("the max table shows each system's CPU per request and how busy its event loop was", () => {
  const table = maxTable(results);
  const route = table.split("\n").find((l) => l.startsWith("frugal route")) ?? "";
  assert.match(route, /190\s+40\s+60\s+45\s+335\s+85%\s+12%\s+1\.67 \/ -$/);
  const direct = table.split("\n").find((l) => l.startsWith("direct")) ?? "";
  assert.match(direct, /60\s+2\s+-\s+50\s+112\s+96%\s+2%\s+1\.80 \/ 1\.90$/);
});
