/**
 * Semantic cache bench (issue 11, part 5). Run: `node --import tsx bench/semantic-cache.ts [--json out.json] [--hidden 16]`
 *
 * 1. Trains the hit verifier on examples/qqp/dev.jsonl (split by question: 50% train, 25% calibration, 25% test), then
 *    certifies δ = 0.01 and δ = 0.05 on the calibration lookups (the weights do not depend on δ: one fit, two certificates,
 *    as `frugal train cache --max-wrong-hit δ` would give).
 * 2. On the held-out test split (questions neither step saw), the README protocol: store every text_a, look up every
 *    text_b. frugal's verified cache at each certified threshold vs the GPTCache-style peer — accept the nearest entry when
 *    its cosine ≥ 0.7 / 0.8 / 0.9 (and 0.95) — on the SAME embedding and retrieval, in the same run. Both scoring rules
 *    (protocol.ts): `known` (certified, reported as wrong_hit_rate) and the README's literal rule.
 * 3. The "enable 2FA" / "disable 2FA" check: cosine and verifier score of a negated question and of a true paraphrase.
 * 4. Task traffic: BANKING77 — store the train texts with their intent, look up the test texts; a hit is wrong when the
 *    intents differ. The verifier was trained on Quora questions only: whatever transfers, it is measured here.
 * 5. Lookup latency (embed + exact int8 search + verifier on the 5 nearest) at 10k and 100k stored entries, wall-clock
 *    and CPU time, and the exact search alone. There are fewer distinct questions than 100k in the two datasets, so the
 *    store cycles through them (duplicate vectors cost the search exactly what distinct ones do). On a shared machine the
 *    load average is printed. `--latency-model FILE` runs only this part, with a trained model file.
 */
import { loadavg } from "node:os";
import { writeFileSync } from "node:fs";
import { percentile } from "../src/core/percentile.ts";
import { wilson } from "../src/results/intervals.ts";
import { readDataTable } from "../src/data/table.ts";
import { readPairs } from "../src/cache/semantic/pairs.ts";
import { certifyAndSave, fitSemanticCache, representationCache } from "../src/cache/semantic/train.ts";
import { createSemanticIndex, type SemanticIndex } from "../src/cache/semantic/semantic-index.ts";
import { runProtocol, scoreAt } from "../src/cache/semantic/protocol.ts";
import { pairFeatures } from "../src/cache/semantic/pair-features.ts";
import type { Embedder } from "../src/cache/semantic/embedding.ts";
import type { Verifier } from "../src/cache/semantic/verifier.ts";
import { createVectorIndex } from "../src/cache/semantic/vector-index.ts";
import { loadSemanticCacheModel } from "../src/cache/semantic/model-file.ts";

const flag = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const hidden = Number(flag("hidden") ?? 16);
const DELTAS = [0.01, 0.05];
const PEER_THRESHOLDS = [0.7, 0.8, 0.9, 0.95];
const pct = (x: number | null): string => (x === null ? "-" : `${(100 * x).toFixed(2)}%`);
const ci = (c: [number, number] | null): string => (c === null ? "" : ` [${(100 * c[0]).toFixed(2)}, ${(100 * c[1]).toFixed(2)}]`);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * P50/P99 of one lookup (embed + exact int8 search + verifier), wall-clock and CPU time of this thread, and of the exact
 * search alone, with `entries` stored. On a shared machine the wall P99 mostly measures waiting for a core; CPU time does not.
 */
function measureLatency(embedder: Embedder, verifier: Verifier, candidates: number, texts: readonly string[], lookups: readonly string[]): Array<Record<string, unknown>> {
  const distinct = [...new Set(texts)];
  return [10_000, 100_000].map((entries) => {
    const index = createSemanticIndex<number>({ embedder, verifier, candidates, initialCapacity: entries });
    for (let i = 0; i < entries; i++) index.add(distinct[i % distinct.length] as string, i);
    const search = createVectorIndex({ dimension: embedder.config.dimension, initialCapacity: entries });
    for (let i = 0; i < entries; i++) search.add(embedder.embed(distinct[i % distinct.length] as string));
    for (const t of lookups.slice(0, 200)) index.best(t); // warm-up
    const wall: number[] = [];
    const cpu: number[] = [];
    const searchCpu: number[] = [];
    const query = new Float32Array(embedder.config.dimension);
    for (const t of lookups) {
      const c0 = process.cpuUsage();
      const started = performance.now();
      index.best(t);
      wall.push((performance.now() - started) * 1000);
      const c1 = process.cpuUsage(c0);
      cpu.push(c1.user + c1.system);
      embedder.embed(t, query);
      const s0 = process.cpuUsage();
      search.search(query, candidates);
      const s1 = process.cpuUsage(s0);
      searchCpu.push(s1.user + s1.system);
    }
    const r = {
      entries,
      distinct_texts: Math.min(entries, distinct.length),
      backend: index.backend,
      wall_p50_us: percentile(wall, 50),
      wall_p99_us: percentile(wall, 99),
      cpu_p50_us: percentile(cpu, 50),
      cpu_p99_us: percentile(cpu, 99),
      search_only_cpu_p50_us: percentile(searchCpu, 50),
      search_only_cpu_p99_us: percentile(searchCpu, 99),
      load: loadavg()[0],
    };
    const ms = (us: number): string => (us / 1000).toFixed(2);
    log(`lookup at ${entries} entries (${index.backend}): wall P50 ${ms(r.wall_p50_us)} ms / P99 ${ms(r.wall_p99_us)} ms; CPU P50 ${ms(r.cpu_p50_us)} ms / P99 ${ms(r.cpu_p99_us)} ms; exact search alone CPU P50 ${ms(r.search_only_cpu_p50_us)} ms / P99 ${ms(r.search_only_cpu_p99_us)} ms (load ${r.load?.toFixed(1)})`);
    return r;
  });
}

// `--latency-model FILE`: only the latency measurement, with a model from `frugal train cache` (no training).
const latencyModel = flag("latency-model");
if (latencyModel !== undefined) {
  const model = loadSemanticCacheModel(latencyModel);
  const pairs = readPairs("examples/qqp/dev.jsonl").pairs;
  const bank = readDataTable("examples/banking77/train.csv").rows.map((r) => String(r.values.text));
  log(`load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  measureLatency(model.embedder, model.verifier, model.meta.candidates, [...pairs.flatMap((p) => [p.textA, p.textB]), ...bank], pairs.slice(0, 2000).map((p) => p.textB));
  process.exit(0);
}

const set = readPairs("examples/qqp/dev.jsonl");
log(`load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const fitted = fitSemanticCache({ pairs: set, hiddenUnits: hidden });
log(`fit: ${fitted.seconds.toFixed(1)} s, ${fitted.examples} verifier examples, ${fitted.splits.train.length}/${fitted.splits.calibration.length}/${fitted.splits.test.length} train/calibration/test pairs`);
const { embedder, verifier } = fitted;
const certificates = DELTAS.map((delta) => ({ delta, ...certifyAndSave(fitted, set, { out: `/tmp/frugal-semantic-cache-${delta}.model`, maxWrongHitRate: delta }) }));

// 2. Held-out test split.
const represent = representationCache(embedder);
const testIndex = createSemanticIndex<string>({ embedder, verifier, candidates: fitted.candidates, represent, initialCapacity: fitted.splits.test.length });
const test = runProtocol(testIndex, fitted.splits.test);
const rows: Array<Record<string, unknown>> = [];
log(`\nQQP held-out test split: ${test.scores.length} lookups, ${testIndex.size} stored questions, ${test.duplicates} duplicate pairs`);
log("cache                          threshold  hits   hit_rate_duplicates [95%]   wrong_hit_rate [95%]   (README literal rule)");
const row = (name: string, threshold: number, which: "verified" | "cosine"): void => {
  const k = scoreAt(test, threshold, which, "known");
  const s = scoreAt(test, threshold, which, "strict");
  rows.push({ cache: name, threshold, ...k, strict_wrong_hit_rate: s.wrong_hit_rate, strict_wrong_hit_rate_ci95: s.wrong_hit_rate_ci95 });
  log(`${name.padEnd(30)} ${threshold.toFixed(4).padEnd(10)} ${String(k.hits).padEnd(6)} ${`${pct(k.hit_rate_duplicates)}${ci(k.hit_rate_duplicates_ci95)}`.padEnd(27)} ${`${pct(k.wrong_hit_rate)}${ci(k.wrong_hit_rate_ci95)}`.padEnd(22)} (${pct(s.wrong_hit_rate)}${ci(s.wrong_hit_rate_ci95)})`);
};
for (const c of certificates) {
  const cert = c.meta.certificate;
  log(`  δ=${c.delta}: certified ${cert.certified} at ${cert.threshold.toFixed(4)} on ${cert.lookups} calibration lookups (bound ${cert.wrongHitUpperBound.toFixed(4)})`);
  row(`frugal verified, δ=${c.delta}`, cert.threshold, "verified");
}
for (const t of PEER_THRESHOLDS) row(`GPTCache-style cosine ≥ ${t}`, t, "cosine");

// 3. enable / disable 2FA.
const probe = (stored: string, lookup: string): { cosine: number; probability: number } => {
  const a = embedder.embed(stored);
  const b = embedder.embed(lookup);
  let cosine = 0;
  for (let d = 0; d < a.length; d++) cosine += (a[d] as number) * (b[d] as number);
  return { cosine, probability: verifier.probability(pairFeatures(embedder, embedder.represent(stored), embedder.represent(lookup), cosine)) };
};
const stored2fa = "How do I enable 2FA on my account?";
log(`\nstored: "${stored2fa}" (δ=0.01 threshold ${certificates[0]?.meta.certificate.threshold.toFixed(4)})`);
const probes = ["How do I disable 2FA on my account?", "How can I turn on two-factor authentication for my account?", "How do I enable 2FA for my account?", "How do I set up 2FA on my account?"].map((lookup) => {
  const p = probe(stored2fa, lookup);
  const hit = p.probability >= (certificates[0]?.meta.certificate.threshold ?? Infinity);
  log(`  "${lookup}": cosine ${p.cosine.toFixed(3)}, verifier ${p.probability.toFixed(3)} -> ${hit ? "hit" : "miss"}`);
  return { stored: stored2fa, lookup, ...p, hit };
});

// 4. BANKING77 task traffic.
const banking = (file: string): Array<{ text: string; label: string }> =>
  readDataTable(file).rows.map((r) => ({ text: String(r.values.text), label: String(r.values.category) }));
const bankTrain = banking("examples/banking77/train.csv");
const bankTest = banking("examples/banking77/test.csv");
const bankIndex = createSemanticIndex<string>({ embedder, verifier, candidates: fitted.candidates, initialCapacity: bankTrain.length });
for (const e of bankTrain) bankIndex.add(e.text, e.label);
const bankBest = bankTest.map((e) => ({ label: e.label, best: bankIndex.best(e.text) }));
log(`\nBANKING77: ${bankTrain.length} train texts stored with their intent, ${bankTest.length} test texts looked up (a hit is wrong when the intents differ)`);
const bankRows = [...certificates.map((c) => ({ name: `frugal verified, δ=${c.delta}`, threshold: c.meta.certificate.threshold, which: "verified" as const })), ...PEER_THRESHOLDS.map((t) => ({ name: `GPTCache-style cosine ≥ ${t}`, threshold: t, which: "cosine" as const }))].map(({ name, threshold, which }) => {
  let hits = 0;
  let wrong = 0;
  for (const { label, best } of bankBest) {
    if (best === undefined) continue;
    const score = which === "verified" ? best.probability : best.nearestCosine;
    if (score < threshold) continue;
    hits++;
    if (bankIndex.value(which === "verified" ? best.slot : best.nearestSlot) !== label) wrong++;
  }
  const r = { cache: name, threshold, lookups: bankTest.length, hits, hit_rate: hits / bankTest.length, hit_rate_ci95: wilson(hits, bankTest.length), wrong_hits: wrong, wrong_hit_rate: wrong / bankTest.length, wrong_hit_rate_ci95: wilson(wrong, bankTest.length) };
  log(`${name.padEnd(30)} ${threshold.toFixed(4).padEnd(10)} hits ${String(hits).padEnd(5)} ${pct(r.hit_rate)}${ci(r.hit_rate_ci95)}  wrong ${String(wrong).padEnd(4)} ${pct(r.wrong_hit_rate)}${ci(r.wrong_hit_rate_ci95)}`);
  return r;
});

// 5. Latency at 10k and 100k stored entries.
const latency = measureLatency(embedder, verifier, fitted.candidates, [...set.pairs.flatMap((p) => [p.textA, p.textB]), ...bankTrain.map((e) => e.text)], fitted.splits.test.slice(0, 2000).map((p) => p.textB));

const out = flag("json");
if (out !== undefined) {
  writeFileSync(out, `${JSON.stringify({ hidden, certificates: certificates.map((c) => ({ delta: c.delta, ...c.meta.certificate, calibration: c.calibration })), qqp_test: rows, probes, banking77: bankRows, latency }, null, 2)}\n`);
  log(`wrote ${out}`);
}
