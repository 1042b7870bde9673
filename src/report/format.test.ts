import { test } from "node:test";
import assert from "node:assert/strict";
import { formatCount, formatKwh, formatMs, formatNumber, formatRatio, formatShare, formatUsd, NOT_MEASURED } from "./format.ts";

test("fixed notation with sensible significant digits; tiny values as a bound, never as 0 or an exponent", () => {
  assert.deepEqual([0.487, 0.004, 0, 4.871, 12.6, 1234.4, 12_345].map(formatMs), ["0.49 ms", "<0.01 ms", "0 ms", "4.87 ms", "13 ms", "1,234 ms", "12.3 s"]);
  assert.deepEqual([1234.5, 12.3, 0.000447, 3.765e-5, 2.4e-9, 1e-12, 0].map(formatUsd), ["$1,235", "$12.30", "$0.000447", "$0.0000377", "$0.0000000024", "<$0.000000001", "$0"]);
  assert.deepEqual([0.9342, 0.0004, 0, 1].map((v) => formatShare(v)), ["93.4%", "<0.1%", "0.0%", "100.0%"]);
  assert.equal(formatShare(0.004, 0), "<1%");
  assert.deepEqual([0.0265, 0.00585, 1.23e-5, 1e-12].map(formatKwh), ["0.0265 kWh", "0.00585 kWh", "0.0000123 kWh", "<0.000000001 kWh"]);
  assert.deepEqual([3080, 12.345, 0.000123, 1234.56].map(formatNumber), ["3,080", "12.3", "0.000123", "1,234.6"]);
  assert.deepEqual([formatCount(3080), formatRatio(11.87), formatRatio(250.2)], ["3,080", "11.9×", "250×"]);
  for (const f of [formatMs, formatUsd, formatKwh, formatNumber, formatCount, formatRatio, (v: number | null) => formatShare(v)]) {
    assert.equal(f(null), NOT_MEASURED);
    assert.equal(f(Number.NaN), NOT_MEASURED);
    for (const v of [1e-7, 3.3e-5, 0.487, 7.7e-13]) assert.doesNotMatch(f(v), /e[-+]?\d/, `${f.name}(${v})`);
  }
});
