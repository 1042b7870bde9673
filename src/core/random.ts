/**
 * The one seeded PRNG of frugal. Training shuffles and splits, the PoC's arrival clock and item order, and the planner's
 * simulated arrivals must all be reproducible from a seed on every machine, so nothing that feeds a result touches
 * Math.random. mulberry32 is small, fast and good enough for shuffling and sampling (not for cryptography).
 *
 * The algorithm and its outputs are frozen: model files store the seed their training split came from and results files
 * the seed of their schedule, so a change here would silently change what a seed means (random.test.ts pins outputs).
 */

export type Rng = () => number;

/** A PRNG returning floats in [0, 1), fully determined by `seed` (taken as an unsigned 32-bit integer). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
