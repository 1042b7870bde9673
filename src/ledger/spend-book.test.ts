import { test } from "node:test";
import assert from "node:assert/strict";
import { periodKeyOf } from "./spend-book.ts";

/** The definition, computed afresh every time. */
function reference(period: "day" | "month", now: number): string {
  const iso = new Date(now).toISOString();
  return period === "day" ? `day:${iso.slice(0, 10)}` : `month:${iso.slice(0, 7)}`;
}

test("periodKeyOf agrees with the definition across day, month and year boundaries, in any order of instants", () => {
  const edges = ["2024-02-28T23:59:59.999Z", "2024-02-29T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "2024-03-01T00:00:00.000Z", "2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00.000Z"].map(Date.parse);
  const instants = [...edges, ...edges.map((t) => t - 1), ...edges.map((t) => t + 1)];
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    instants.push(Date.parse("2020-01-01T00:00:00Z") + (seed % (10 * 365 * 86_400_000)));
  }
  for (const now of [...instants, ...instants.reverse()]) {
    for (const period of ["day", "month"] as const) assert.equal(periodKeyOf(period, now), reference(period, now), `${period} ${new Date(now).toISOString()}`);
  }
});
