/**
 * The error-bounded threshold on synthetic calibration sets where the truth is known: confidence s ~ U(0, 1), P(wrong | s)
 * = risk(s). For each start rule of the fixed-sequence test, prints how often the certified threshold's true kept error
 * exceeds ε (must be ≤ δ = 0.05), the mean coverage, and how often nothing is certified.
 * Run: `node --import tsx bench/compact-threshold-sim.ts [runs=200]`
 */
import { createRng } from "../src/compact/random.ts";
import { labelFreeStart, plannedStart, selectThreshold } from "../src/compact/threshold.ts";
import { sampleCalibration } from "../test/fixtures/synthetic-calibration.ts";

const EPS = 0.02;
const runs = Number(process.argv[2] ?? 200);
const scenarios: Record<string, (s: number) => number> = {
  "quadratic 0.2(1-s)^2": (s) => 0.2 * (1 - s) ** 2,
  "steep 0.5(1-s)^4": (s) => 0.5 * (1 - s) ** 4,
  "flat 0.01+0.1(1-s)^2": (s) => 0.01 + 0.1 * (1 - s) ** 2,
  "noisy top 0.005+0.2(1-s)^3": (s) => 0.005 + 0.2 * (1 - s) ** 3,
};

/** True kept error at λ: ∫_λ^1 risk / (1 − λ), by the midpoint rule. */
function trueRisk(risk: (s: number) => number, lambda: number): number {
  const steps = 2000;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += risk(lambda + ((i + 0.5) * (1 - lambda)) / steps);
  return sum / steps;
}

for (const [sizeName, sizes] of Object.entries({ "valid 500, calibration 2000": { valid: 500, cal: 2000 }, "valid 1000, calibration 5000": { valid: 1000, cal: 5000 } })) {
  console.log(`\n${sizeName}, ${runs} runs, ε = ${EPS}, δ = 0.05`);
  for (const [name, risk] of Object.entries(scenarios)) {
    const rng = createRng(42);
    const sample = (n: number) => sampleCalibration(n, rng, risk);
    const stats: Record<string, { violations: number; coverage: number; none: number }> = {};
    const record = (rule: string, threshold: number, coverage: number) => {
      const s = (stats[rule] ??= { violations: 0, coverage: 0, none: 0 });
      if (!Number.isFinite(threshold)) s.none++;
      else if (trueRisk(risk, threshold) > EPS) s.violations++;
      s.coverage += coverage;
    };
    for (let r = 0; r < runs; r++) {
      const valid = sample(sizes.valid);
      const cal = sample(sizes.cal);
      const count = labelFreeStart(valid.confidences, EPS, 0.95, { calibrationSize: sizes.cal });
      const planned = plannedStart({ ...valid, calibrationSize: sizes.cal, maxError: EPS });
      for (const [rule, starts] of [["count rule", [count]], ["planned", [planned]], ["both (δ/2 each)", [count, planned]]] as const) {
        const sel = selectThreshold({ ...cal, maxError: EPS, confidenceLevel: 0.95, startThresholds: [...starts] });
        record(rule, sel.threshold, sel.coverage);
      }
    }
    for (const [rule, s] of Object.entries(stats)) {
      console.log(`  ${name.padEnd(28)} ${rule.padEnd(16)} violations ${(s.violations / runs).toFixed(3)}  mean coverage ${(s.coverage / runs).toFixed(3)}  nothing certified ${(s.none / runs).toFixed(3)}`);
    }
  }
}
