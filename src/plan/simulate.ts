/**
 * A discrete-event simulation of continuous batching, to turn a request rate into P95 latency. Chosen over an M/G/c formula
 * because an LLM replica is not c servers with a fixed service time: its step time depends on how many sequences share the
 * step (the roofline), so service speeds up per request under load until the KV cache or compute saturates. The simulation
 * follows what vLLM-style engines do: each iteration admits waiting requests while the KV cache can reserve their full
 * context (FIFO), spends up to `maxBatchedTokens` on prompt chunks (chunked prefill) and gives every running sequence one
 * token. Arrivals are Poisson (or evenly spaced) from a seeded generator, so a plan is reproducible.
 */
import type { Deployment } from "./deployment.ts";
import { nearestRank } from "../core/percentile.ts";
import { createRng } from "../core/random.ts";
import { kvLimitedBatch, mixedStep } from "./perf-model.ts";

export interface SimulationOptions {
  deployment: Deployment;
  replicas: number;
  ratePerSecond: number;
  inputTokens: number;
  outputTokens: number;
  /** Request lengths are uniform in mean·(1 ± spread). 0 = every request the same. */
  lengthSpread?: number;
  requests?: number;
  /** Share of the first requests left out of the percentiles (the empty-system start). */
  warmupFraction?: number;
  maxBatch?: number;
  maxBatchedTokens?: number;
  arrival?: "poisson" | "constant";
  seed?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface SimulationResult {
  latencyMs: Percentiles;
  ttftMs: Percentiles;
  /** Time per output token after the first, per request. */
  tpotMs: Percentiles;
  meanBatch: number;
  /** Share of wall time the replicas were running a step. */
  busyFraction: number;
  /** Energy of all devices over the simulated span, idle time included. */
  energyJ: number;
  avgPowerWPerDevice: number;
  outputTokens: number;
  requests: number;
  spanSeconds: number;
  /** False when latency kept growing through the run: the rate exceeds what these replicas can serve. */
  stable: boolean;
  maxBatch: number;
}

interface Sequence {
  index: number;
  arrival: number;
  input: number;
  output: number;
  prefillLeft: number;
  generated: number;
}

interface Replica {
  waiting: Sequence[];
  running: Sequence[];
  reservedKv: number;
  stepEnd: number;
  stepChunks: Map<Sequence, number> | null;
  busySeconds: number;
  stepEnergyJ: number;
  batchSum: number;
  steps: number;
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, mean: 0 };
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) => nearestRank(sorted, q);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
}

function makeRequests(o: SimulationOptions, n: number): Sequence[] {
  const random = createRng(o.seed ?? 1);
  const spread = o.lengthSpread ?? 0.5;
  const length = (mean: number) => Math.max(1, Math.round(mean * (1 - spread + 2 * spread * random())));
  const out: Sequence[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += o.arrival === "constant" ? 1 / o.ratePerSecond : -Math.log(1 - random()) / o.ratePerSecond;
    const input = length(o.inputTokens);
    out.push({ index: i, arrival: t, input, output: length(o.outputTokens), prefillLeft: input, generated: 0 });
  }
  return out;
}

export function simulate(o: SimulationOptions): SimulationResult {
  const d = o.deployment;
  const n = o.requests ?? 2000;
  const maxBatchedTokens = o.maxBatchedTokens ?? 8192;
  const kvBatch = kvLimitedBatch(d, o.inputTokens + o.outputTokens);
  const maxBatch = Math.max(1, Math.min(o.maxBatch ?? 256, kvBatch));
  const requests = makeRequests(o, n);
  const replicas: Replica[] = Array.from({ length: o.replicas }, () => ({
    waiting: [],
    running: [],
    reservedKv: 0,
    stepEnd: Infinity,
    stepChunks: null,
    busySeconds: 0,
    stepEnergyJ: 0,
    batchSum: 0,
    steps: 0,
  }));
  const finishedAt = new Array<number>(n).fill(-1);
  const firstAt = new Array<number>(n).fill(-1);
  let next = 0;
  let done = 0;
  let now = 0;

  const startStep = (r: Replica, t: number) => {
    // Admit FIFO while the batch and the KV cache (full context reserved up front) allow.
    while (r.waiting.length > 0 && r.running.length < maxBatch) {
      const head = r.waiting[0] as Sequence;
      const need = head.input + head.output;
      if (r.reservedKv + need > d.kvCapacityTokens && r.running.length > 0) break;
      r.waiting.shift();
      r.reservedKv += need;
      r.running.push(head);
    }
    if (r.running.length === 0) {
      r.stepEnd = Infinity;
      r.stepChunks = null;
      return;
    }
    const decoders = r.running.filter((s) => s.prefillLeft === 0);
    let budget = Math.max(0, maxBatchedTokens - decoders.length);
    const chunks = new Map<Sequence, number>();
    let prefillTokens = 0;
    let promptSum = 0;
    for (const s of r.running) {
      if (s.prefillLeft === 0) continue;
      // Always make progress on the oldest prompt, even when the decoders used the whole budget.
      const chunk = Math.min(s.prefillLeft, chunks.size === 0 ? Math.max(1, budget) : budget);
      if (chunk <= 0) break;
      chunks.set(s, chunk);
      prefillTokens += chunk;
      promptSum += s.input;
      budget -= chunk;
    }
    const contextSum = decoders.reduce((acc, s) => acc + s.input + s.generated, 0);
    const est = mixedStep(d, {
      prefillTokens,
      prefillAvgPrompt: chunks.size === 0 ? 0 : promptSum / chunks.size,
      decodeBatch: decoders.length,
      decodeContext: decoders.length === 0 ? 0 : contextSum / decoders.length,
      prefillSequences: chunks.size,
    });
    const seconds = est.ms / 1000;
    r.stepEnd = t + seconds;
    r.stepChunks = chunks;
    r.busySeconds += seconds;
    r.stepEnergyJ += est.energyJ;
    r.batchSum += decoders.length + chunks.size;
    r.steps += 1;
  };

  const finishStep = (r: Replica, t: number) => {
    const chunks = r.stepChunks ?? new Map<Sequence, number>();
    const still: Sequence[] = [];
    for (const s of r.running) {
      const chunk = chunks.get(s);
      if (chunk !== undefined) {
        s.prefillLeft -= chunk;
        if (s.prefillLeft === 0) {
          s.generated = 1; // the step that completes the prompt emits the first token
          firstAt[s.index] = t;
        }
      } else if (s.prefillLeft === 0) {
        s.generated += 1;
      }
      if (s.prefillLeft === 0 && s.generated >= s.output) {
        finishedAt[s.index] = t;
        r.reservedKv -= s.input + s.output;
        done += 1;
      } else {
        still.push(s);
      }
    }
    r.running = still;
    startStep(r, t);
  };

  while (done < n) {
    let soonest: Replica | null = null;
    for (const r of replicas) if (r.stepEnd < (soonest?.stepEnd ?? Infinity)) soonest = r;
    const arrival = next < n ? (requests[next] as Sequence).arrival : Infinity;
    if (arrival <= (soonest?.stepEnd ?? Infinity)) {
      const req = requests[next] as Sequence;
      next += 1;
      now = arrival;
      // Join the least-loaded replica (what a router in front of the replicas does).
      let target = replicas[0] as Replica;
      for (const r of replicas) if (r.running.length + r.waiting.length < target.running.length + target.waiting.length) target = r;
      target.waiting.push(req);
      if (target.stepEnd === Infinity) startStep(target, now);
    } else if (soonest !== null) {
      now = soonest.stepEnd;
      finishStep(soonest, now);
    } else {
      break;
    }
  }

  const first = (requests[0] as Sequence).arrival;
  const span = Math.max(1e-9, now - first);
  const skip = Math.floor(n * (o.warmupFraction ?? 0.1));
  const kept = requests.slice(skip);
  const latencies = kept.map((s) => (finishedAt[s.index] as number) - s.arrival);
  const busy = replicas.reduce((acc, r) => acc + r.busySeconds, 0);
  const tp = d.tp;
  const idleJ = Math.max(0, replicas.length * span - busy) * d.hardware.idleW * tp;
  const energyJ = replicas.reduce((acc, r) => acc + r.stepEnergyJ, 0) + idleJ;
  const steps = replicas.reduce((acc, r) => acc + r.steps, 0);
  return {
    latencyMs: percentiles(latencies.map((x) => x * 1000)),
    ttftMs: percentiles(kept.map((s) => ((firstAt[s.index] as number) - s.arrival) * 1000)),
    tpotMs: percentiles(
      kept.filter((s) => s.output > 1).map((s) => (((finishedAt[s.index] as number) - (firstAt[s.index] as number)) * 1000) / (s.output - 1)),
    ),
    meanBatch: steps === 0 ? 0 : replicas.reduce((acc, r) => acc + r.batchSum, 0) / steps,
    busyFraction: busy / (replicas.length * span),
    energyJ,
    avgPowerWPerDevice: energyJ / (span * replicas.length * tp),
    outputTokens: requests.reduce((acc, s) => acc + s.output, 0),
    requests: n,
    spanSeconds: span,
    stable: isStable(latencies),
    maxBatch,
  };
}

/** Under overload, latency grows with arrival order; under a sustainable load, late requests look like early ones. */
function isStable(latencies: number[]): boolean {
  const q = Math.floor(latencies.length / 4);
  if (q < 5) return true;
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const early = mean(latencies.slice(q, 2 * q));
  const late = mean(latencies.slice(3 * q));
  return late <= early * 1.5 + 0.05;
}
