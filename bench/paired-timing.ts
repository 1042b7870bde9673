/**
 * Wall times of two calls measured in pairs, for "what does B add over A" benches: the same wrapper times both sides, so
 * whatever it costs cancels out of the difference, and the order alternates so neither always runs right after the
 * other's garbage.
 */
export async function timePairs(iterations: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<{ aMs: Float64Array; bMs: Float64Array }> {
  const aMs = new Float64Array(iterations);
  const bMs = new Float64Array(iterations);
  const timed = async (call: () => Promise<unknown>): Promise<number> => {
    const t = performance.now();
    await call();
    return performance.now() - t;
  };
  for (let i = 0; i < iterations; i++) {
    if (i % 2 === 0) {
      aMs[i] = await timed(a);
      bMs[i] = await timed(b);
    } else {
      bMs[i] = await timed(b);
      aMs[i] = await timed(a);
    }
  }
  return { aMs, bMs };
}
