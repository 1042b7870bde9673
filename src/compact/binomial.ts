/**
 * Exact binomial tails and the Clopper-Pearson upper bound, for the error-bounded threshold. Sums run in log space so that
 * calibration sets of 10^5 items neither underflow nor lose the small tail probabilities the test lives on.
 */

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** P(Bin(n, p) ≤ k), exactly. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  // pmf(i+1) = pmf(i) · (n − i)/(i + 1) · p/(1 − p), from pmf(0) = (1 − p)^n.
  const logRatio = Math.log(p) - Math.log1p(-p);
  let logPmf = n * Math.log1p(-p);
  let logCdf = logPmf;
  for (let i = 0; i < k; i++) {
    logPmf += Math.log(n - i) - Math.log(i + 1) + logRatio;
    logCdf = logAdd(logCdf, logPmf);
  }
  return Math.min(1, Math.exp(logCdf));
}

/**
 * Clopper-Pearson one-sided upper bound: the largest error rate p still compatible, at level delta, with seeing `errors`
 * errors in `n` trials, i.e. the p where P(Bin(n, p) ≤ errors) = delta. n = 0 gives 1 (nothing is known).
 */
export function clopperPearsonUpper(errors: number, n: number, delta: number): number {
  if (n <= 0) return 1;
  if (errors >= n) return 1;
  let lo = errors / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(errors, n, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The smallest kept count at which zero errors could certify an error rate below epsilon at level delta. */
export function minimumCertifiableCount(epsilon: number, delta: number): number {
  return Math.ceil(Math.log(delta) / Math.log1p(-epsilon));
}

/**
 * Clopper-Pearson two-sided interval for an error rate seen as `errors` in `n` trials, at `level` (0.95: 2.5% in each
 * tail). Exact, so it never covers less than `level`; n = 0 gives [0, 1].
 */
export function clopperPearsonInterval(errors: number, n: number, level = 0.95): [number, number] {
  if (n <= 0) return [0, 1];
  const tail = (1 - level) / 2;
  const upper = clopperPearsonUpper(errors, n, tail);
  if (errors <= 0) return [0, upper];
  // The lower end: the p where P(Bin(n, p) ≥ errors) = tail, i.e. P(Bin(n, p) ≤ errors − 1) = 1 − tail.
  let lo = 0;
  let hi = errors / n;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(errors - 1, n, mid) > 1 - tail) lo = mid;
    else hi = mid;
  }
  return [lo, upper];
}
