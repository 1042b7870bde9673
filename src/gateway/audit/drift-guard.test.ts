import { test } from "node:test";
import assert from "node:assert/strict";
import { binomialCdf } from "../../compact/binomial.ts";
import { createDriftGuard, type DriftGuardOptions, type GuardTransition } from "./drift-guard.ts";
import { createKeptErrorWindow, keptErrorBounds, type AuditSample } from "./kept-error.ts";

const EPS = 0.05;
const options = (over: Partial<DriftGuardOptions> = {}): DriftGuardOptions => ({ epsilon: EPS, certified: 0.5, action: "raise_threshold", window: 500, minSamples: 50, ...over });

function feed(guard: ReturnType<typeof createDriftGuard>, samples: AuditSample[]): GuardTransition[] {
  return samples.flatMap((s) => guard.observe(s) ?? []);
}

/** Feeds samples until the first transition, which it returns. */
function feedUntil(guard: ReturnType<typeof createDriftGuard>, samples: AuditSample[]): GuardTransition | undefined {
  for (const s of samples) {
    const t = guard.observe(s);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** n samples with confidences spread over [lo, hi) in a mixed order (as traffic comes); `wrong` says which disagree. */
function spread(n: number, lo: number, hi: number, wrong: (i: number, confidence: number) => boolean): AuditSample[] {
  return Array.from({ length: n }, (_, i) => {
    // 37 is prime to every n used here: i → 37·i mod n visits each slot once.
    const confidence = lo + ((hi - lo) * ((37 * i) % n)) / n;
    return { confidence, agree: !wrong(i, confidence) };
  });
}

test("kept-error bounds are the exact one-sided Clopper-Pearson bounds", () => {
  const none = keptErrorBounds(0, 50, 0.95);
  assert.equal(none.lower, 0);
  assert.ok(Math.abs(none.upper - (1 - 0.05 ** (1 / 50))) < 1e-9, `upper ${none.upper}`);
  const some = keptErrorBounds(10, 100, 0.95);
  assert.equal(some.estimate, 0.1);
  // The lower bound p is where seeing 10 or more errors has probability 5%; the upper where seeing 10 or fewer has 5%.
  assert.ok(Math.abs(1 - binomialCdf(9, 100, some.lower) - 0.05) < 1e-6, `lower ${some.lower}`);
  assert.ok(Math.abs(binomialCdf(10, 100, some.upper) - 0.05) < 1e-6, `upper ${some.upper}`);
  assert.deepEqual(keptErrorBounds(0, 0, 0.95), { n: 0, errors: 0, estimate: null, lower: 0, upper: 1 });
});

test("the window keeps the last `capacity` audits, oldest first, and counts those at a threshold", () => {
  const window = createKeptErrorWindow(3);
  for (let i = 0; i < 5; i++) window.push({ confidence: i / 10, agree: i % 2 === 0 });
  assert.deepEqual(
    window.samples().map((s) => s.confidence),
    [0.2, 0.3, 0.4],
  );
  assert.deepEqual([window.stats().n, window.stats().errors], [3, 1]);
  assert.deepEqual([window.stats(0.3).n, window.stats(0.3).errors], [2, 1]);
  window.clear();
  assert.equal(window.size, 0);
});

test("a stream under ε never trips, and a small sample cannot trip it even when its upper bound is far above ε", () => {
  const clean = createDriftGuard(options());
  // 2.5% disagreement, every 40th audit, over 2,000 looks.
  assert.deepEqual(feed(clean, spread(2000, 0.5, 1, (i) => i % 40 === 39)), []);
  assert.equal(clean.tripped, false);
  const small = createDriftGuard(options());
  // 4 of 50 disagree: upper bound ≈ 17% (a rule on it would trip), lower bound ≈ 2.8% < ε.
  assert.deepEqual(feed(small, spread(50, 0.5, 1, (i) => i % 12 === 0 && i < 48)), []);
  const state = small.state();
  assert.equal(state.stats.errors, 4);
  assert.ok(state.stats.upper > EPS && state.stats.lower < EPS);
  // Below the certified threshold nothing is observed: the certificate does not keep those answers.
  assert.equal(small.observe({ confidence: 0.4, agree: false }), undefined);
  assert.equal(small.state().stats.n, 50);
});

/** Shifted traffic: below 0.8 every other audit disagrees, above it none does. */
const shifted = (n: number): AuditSample[] => spread(n, 0.5, 1, (i, c) => c < 0.8 && i % 2 === 0);

test("raise_threshold: trips to escalate everything, serves a threshold certified on audits since the trip, then clears", () => {
  const guard = createDriftGuard(options());
  // Clean traffic first (what the certificate was about), then the shift.
  assert.equal(feedUntil(guard, spread(300, 0.5, 1, () => false)), undefined);
  const trip = feedUntil(guard, shifted(400));
  assert.equal(trip?.kind, "tripped");
  if (trip === undefined) return;
  assert.equal(trip.from, 0.5);
  assert.equal(trip.to, Number.POSITIVE_INFINITY);
  assert.ok(trip.stats.n >= 50 && trip.stats.lower > EPS, JSON.stringify(trip.stats));
  assert.equal(guard.state().stats.n, 0, "the window starts over after a trip: the traffic before the shift is not evidence");
  // The shift goes on; every 50 audits the audits since the trip are tested, until one certifies a threshold.
  const adjusted = feedUntil(guard, shifted(400));
  assert.equal(adjusted?.kind, "adjusted");
  if (adjusted === undefined) return;
  assert.equal(adjusted.from, Number.POSITIVE_INFINITY);
  // About where the errors stop (0.8): the fixed-sequence test may keep a few audits just under it.
  assert.ok(adjusted.to > 0.7 && adjusted.to < 0.9, `adjusted to ${adjusted.to}`);
  assert.ok(adjusted.stats.upper <= EPS, JSON.stringify(adjusted.stats));
  assert.equal(guard.served, adjusted.to);
  assert.equal(guard.tripped, true);
  // The traffic returns to what the certificate was about: once the shifted audits have left the window, it clears.
  const cleared = feed(guard, spread(600, 0.5, 1, () => false)).filter((t) => t.kind === "cleared");
  assert.equal(cleared.length, 1);
  assert.ok((cleared[0]?.stats.upper ?? 1) <= EPS);
  assert.equal(guard.served, 0.5);
  assert.equal(guard.tripped, false);
});

test("raise_threshold: an adjusted threshold that fails in turn trips again", () => {
  const guard = createDriftGuard(options());
  feedUntil(guard, shifted(400));
  feedUntil(guard, shifted(400));
  const adjusted = guard.served;
  assert.ok(Number.isFinite(adjusted));
  // Now errors appear above the adjusted threshold too.
  const again = feedUntil(guard, spread(300, adjusted, 1, (i) => i % 3 === 0));
  assert.equal(again?.kind, "tripped");
  assert.equal(again?.from, adjusted);
  assert.equal(again?.to, Number.POSITIVE_INFINITY);
});

test("clear needs positive evidence: a few clean audits after a trip do not clear it", () => {
  const guard = createDriftGuard(options());
  feedUntil(guard, shifted(400));
  // 0 errors in 58 audits: upper bound 5.03% > ε; the 59th brings it to 4.95%.
  assert.deepEqual(feed(guard, spread(58, 0.5, 1, () => false)), []);
  assert.equal(guard.observe({ confidence: 0.9, agree: true })?.kind, "cleared");
});

test("escalate_all trips to +Infinity; reset serves the certified threshold again", () => {
  const guard = createDriftGuard(options({ action: "escalate_all" }));
  const trip = feedUntil(guard, spread(200, 0.5, 1, (i) => i % 3 === 0));
  assert.equal(trip?.to, Number.POSITIVE_INFINITY);
  // escalate_all never serves a lower threshold on its own, however clean the audits since the trip above 0.8 are.
  assert.deepEqual(feed(guard, shifted(400)).map((t) => t.kind), []);
  assert.equal(guard.served, Number.POSITIVE_INFINITY);
  const reset = guard.reset("promoted a recalibrated model");
  assert.equal(reset?.kind, "cleared");
  assert.equal(reset?.reason, "promoted a recalibrated model");
  assert.equal(guard.served, 0.5);
  assert.equal(guard.reset("again"), undefined, "a clear guard has nothing to reset");
});
