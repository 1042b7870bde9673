import { test } from "node:test";
import assert from "node:assert/strict";
import { createFailureWatch } from "./failure-watch.ts";
import type { RequestRecord } from "./records.ts";

const record = (ok: boolean, code = "upstream_unavailable"): RequestRecord => ({ ok, ...(ok ? {} : { error: { code, message: `${code}!` } }) }) as RequestRecord;

test("failure watch: silent below the minimum count, trips once past the limit, and checks again at the end", () => {
  const watch = createFailureWatch(0.05, 20);
  const trips: number[] = [];
  for (let i = 0; i < 19; i++) if (watch.add(record(i > 10))) trips.push(i);
  assert.deepEqual(trips, [], "11 of 19 failed, but 19 requests are too few to judge");
  assert.equal(watch.add(record(true)), true, "the 20th completion: 11 of 20 failed > 5%");
  assert.equal(watch.add(record(false)), false, "trips once");
  const summary = watch.finish();
  assert.equal(summary.detected, "during_run");
  assert.deepEqual(summary.by_code, { upstream_unavailable: 12 });
  assert.equal(summary.example, "upstream_unavailable!");

  const small = createFailureWatch(0.05, 20);
  for (let i = 0; i < 5; i++) small.add(record(i !== 0, "provider_timeout"));
  assert.deepEqual({ ...small.finish(), by_code: undefined, example: undefined }, { failed: 1, completed: 5, rate: 0.2, limit: 0.05, exceeded: true, detected: "at_end", by_code: undefined, example: undefined });

  const healthy = createFailureWatch(0.05, 20);
  for (let i = 0; i < 40; i++) healthy.add(record(i !== 7));
  assert.equal(healthy.finish().exceeded, false, "1 of 40 = 2.5% is within the limit");
});
