import { test } from "node:test";
import assert from "node:assert/strict";
import { computeTco, tcoSchema } from "./tco.ts";

const close = (actual: number | null, expected: number, tolerance = 1e-9) => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);
};

test("TCO on a hand-computed case", () => {
  const options = tcoSchema.parse({ amortizationYears: 3, energyUsdPerKwh: 0.1, pue: 1.5, opexFractionPerYear: 0.06, hostPowerFraction: 0.25 });
  const r = computeTco({ devices: 4, cloudUsdPerDeviceHour: 2, capexUsdPerDevice: 20000, avgPowerWPerDevice: 400, requestsPerSecond: 10, options });
  // Cloud: 4 × $2 × 730 h.
  close(r.cloudUsdPerMonth, 5840);
  close(r.onPremCapexUsd, 80000);
  // Facility power 4 × 400 W × 1.25 (host) × 1.5 (PUE) = 3 kW → 2,190 kWh → $219; opex 80,000 × 6% / 12 = $400.
  close(r.onPremRunningUsdPerMonth, 619);
  close(r.onPremUsdPerMonth, 80000 / 36 + 619);
  // 10 req/s × 3,600 × 730 = 26.28 M requests a month.
  close(r.cloudUsdPer1000Requests, (5840 / 26_280_000) * 1000);
  close(r.onPremUsdPer1000Requests, ((80000 / 36 + 619) / 26_280_000) * 1000);
  close(r.kwhPer1000Requests, (2190 / 26_280_000) * 1000);
  // Break-even: 80,000 / (5,840 − 619) = 15.32 months → at the end of month 16.
  close(r.breakEvenMonths, 80000 / 5221);
  assert.equal(r.breakEvenMonth, 16);
});

test("no break-even when the cloud bill never exceeds the on-premise running cost", () => {
  const options = tcoSchema.parse({ energyUsdPerKwh: 5 });
  const r = computeTco({ devices: 1, cloudUsdPerDeviceHour: 0.5, capexUsdPerDevice: 10000, avgPowerWPerDevice: 700, requestsPerSecond: 1, options });
  assert.equal(r.breakEvenMonths, null);
  assert.equal(r.breakEvenMonth, null);
});

test("defaults are explicit and validated", () => {
  const d = tcoSchema.parse({});
  assert.deepEqual(d, { amortizationYears: 3, energyUsdPerKwh: 0.15, pue: 1.4, opexFractionPerYear: 0.1, hostPowerFraction: 0.25 });
  assert.equal(tcoSchema.safeParse({ pue: 0.9 }).success, false);
});
