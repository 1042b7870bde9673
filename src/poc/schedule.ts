/**
 * The open-loop arrival clock, computed before the first send: offsets in milliseconds from the start. Poisson arrivals
 * have exponential gaps (mean 1/rate); constant arrivals are evenly spaced. Precomputing the clock is what makes the load
 * open: a slow answer cannot delay the next send, so queueing shows up in latency instead of hiding (no coordinated
 * omission). Also what each request sends (the request stream, the same for every pipeline) and how many there are.
 */
import { FrugalError } from "../core/errors.ts";
import { createRng } from "../core/random.ts";
import type { LoadConfig } from "./config.ts";

export interface ScheduleOptions {
  kind: "poisson" | "constant";
  /** Requests per second. */
  rate: number;
  count: number;
  seed: number;
}

export function buildSchedule(options: ScheduleOptions): Float64Array {
  if (!(options.rate > 0) || !Number.isFinite(options.rate)) throw new FrugalError("config_invalid", `load rate must be > 0, got ${options.rate}`);
  if (!Number.isInteger(options.count) || options.count < 0) throw new FrugalError("config_invalid", `request count must be an integer >= 0, got ${options.count}`);
  const offsets = new Float64Array(options.count);
  const meanGapMs = 1000 / options.rate;
  const random = createRng(options.seed);
  let t = 0;
  for (let i = 0; i < options.count; i++) {
    offsets[i] = t;
    // 1 - random() is in (0, 1], so the log is finite.
    t += options.kind === "constant" ? meanGapMs : -Math.log(1 - random()) * meanGapMs;
  }
  return offsets;
}

/** The order items are sent in: `count` indices into `n` items, cycling through fresh seeded permutations if shuffled. */
export function itemOrder(n: number, count: number, order: "sequential" | "shuffle", seed: number): Uint32Array {
  const out = new Uint32Array(count);
  const random = createRng(seed ^ 0x9e3779b9);
  const permutation = Array.from({ length: n }, (_, i) => i);
  for (let start = 0; start < count; start += n) {
    if (order === "shuffle") {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const tmp = permutation[i] as number;
        permutation[i] = permutation[j] as number;
        permutation[j] = tmp;
      }
    }
    for (let i = 0; i < n && start + i < count; i++) out[start + i] = permutation[i] as number;
  }
  return out;
}

export interface RequestStreamOptions {
  order: "sequential" | "shuffle";
  seed: number;
  /** Absent: each item at most once (count ≤ n). */
  repeat?: { kind: "zipf"; exponent: number } | { kind: "cycle" };
}

/**
 * Which item each of `count` requests sends. A function of (n, count, options) only, so every pipeline of a run gets the
 * identical stream: a cache is then compared on the same repeats for everyone. Without `repeat` (or with `cycle`) it is
 * itemOrder. With zipf, items are ranked (dataset order, or a seeded permutation) and each request draws rank r with
 * probability ∝ 1/r^exponent: a few items come back often, most rarely or never, as in real traffic.
 */
export function requestStream(n: number, count: number, options: RequestStreamOptions): Uint32Array {
  if (options.repeat?.kind !== "zipf") return itemOrder(n, count, options.order, options.seed);
  const ranking = itemOrder(n, n, options.order, options.seed);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += 1 / (r + 1) ** options.repeat.exponent;
    cumulative[r] = total;
  }
  const random = createRng(options.seed ^ 0x5bd1e995);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const u = random() * total;
    // The first rank whose cumulative weight exceeds u.
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    out[i] = ranking[lo] as number;
  }
  return out;
}

/**
 * Requests per pipeline. Each item is sent at most once unless `load.repeat` says how to replay items: replaying past the
 * dataset's size used to happen silently, and then a cache answered the replay itself, which a dense pipeline cannot.
 */
export function requestCount(load: LoadConfig, datasetSize: number, maxItems: number | undefined): number {
  const fromDuration = load.duration_s !== undefined && load.kind !== "closed" ? Math.max(1, Math.round(load.rate * load.duration_s)) : undefined;
  const asked = load.repeat?.requests ?? load.items ?? fromDuration;
  if (asked !== undefined && asked > datasetSize && load.repeat === undefined) {
    const key = load.items !== undefined ? "items" : "duration_s";
    throw new FrugalError(
      "config_invalid",
      `load.${key}: ${asked} requests per pipeline, but the dataset has ${datasetSize} usable items and each is sent at most once; ` +
        "to replay items, say how with load.repeat (e.g. repeat: { kind: zipf, exponent: 1.1 }), applied identically to every pipeline",
      { details: { keyPath: `load.${key}` } },
    );
  }
  let count = asked ?? datasetSize;
  if (maxItems !== undefined) count = Math.min(count, maxItems);
  return count;
}
