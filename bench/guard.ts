/**
 * The PII guard: detection quality on a generated labeled set (a seed the tests do not use), how often random numbers
 * pass a checksum by chance, and scan cost per 1 KB prompt.
 * Run: `node --import tsx bench/guard.ts` (options: --seed N --size N --rounds N)
 */
import { loadavg, cpus } from "node:os";
import { parseArgs } from "node:util";
import { createRng } from "../src/core/random.ts";
import { nearestRank } from "../src/core/percentile.ts";
import { createPiiGuard, createRedactionSession, generateLabeledSet, scoreGuard, wilsonInterval, type PiiGuard } from "../src/guard/index.ts";
import { randomDigits } from "../src/guard/pii-generators.ts";

const { values } = parseArgs({ options: { seed: { type: "string", default: "20260611" }, size: { type: "string", default: "5000" }, rounds: { type: "string", default: "20000" } } });
const seed = Number(values.seed);
const size = Number(values.size);
const rounds = Number(values.rounds);
const guard = createPiiGuard();

console.log(`guard bench — ${new Date().toISOString()} — node ${process.version}, ${cpus()[0]?.model ?? "cpu"}, load ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} cores`);

// 1. Quality.
const set = generateLabeledSet({ seed, size });
const pct = (x: number): string => (100 * x).toFixed(1).padStart(5);
const ci = (k: number, n: number): string => {
  const { low, high } = wilsonInterval(k, n);
  return `[${pct(low)}, ${pct(high)}]`;
};
console.log(`\nquality: ${size} generated sentences (seed ${seed}), ${set.reduce((n, s) => n + s.gold.length, 0)} gold spans, ${set.reduce((n, s) => n + s.nearMisses.length, 0)} near-misses; exact span + type match; 95 % Wilson intervals`);
console.log(`${"type".padEnd(10)} ${"gold".padStart(5)} ${"found".padStart(5)}   precision %  [95 % CI]      recall %  [95 % CI]        F1 %`);
for (const s of scoreGuard(set, guard.scan)) {
  const found = s.truePositives + s.falsePositives;
  const gold = s.truePositives + s.falseNegatives;
  console.log(`${s.type.padEnd(10)} ${String(gold).padStart(5)} ${String(found).padStart(5)}   ${pct(s.precision)} ${ci(s.truePositives, found)}   ${pct(s.recall)} ${ci(s.truePositives, gold)}   ${pct(s.f1)}`);
}

// 2. Chance: how often a random number of a given shape passes a detector (what no checksum can tell from a real id).
console.log("\nchance flags: random bare digit strings in `ref <number>.`, 20,000 each");
const rng = createRng(seed + 1);
for (const [label, make] of [
  ["9 digits (SIREN shape)", () => String(1 + Math.floor(rng() * 9)) + randomDigits(rng, 8)],
  ["10 digits starting 0[1-9] (FR phone shape)", () => `0${1 + Math.floor(rng() * 9)}${randomDigits(rng, 8)}`],
  ["14 digits (SIRET shape)", () => String(1 + Math.floor(rng() * 9)) + randomDigits(rng, 13)],
  ["15 digits starting 1/2 (NIR shape)", () => String(1 + Math.floor(rng() * 2)) + randomDigits(rng, 14)],
  ["16 digits starting 4 (Visa shape)", () => `4${randomDigits(rng, 15)}`],
  ["16 digits, any start", () => randomDigits(rng, 16)],
] as const) {
  const byType = new Map<string, number>();
  const n = 20_000;
  for (let i = 0; i < n; i++) for (const f of guard.scan(`ref ${make()}.`)) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  const parts = [...byType].map(([type, k]) => `${type} ${pct(k / n).trim()} % ${ci(k, n).replace(/ /g, "")}`);
  console.log(`  ${label.padEnd(44)} ${parts.length === 0 ? "none" : parts.join(", ")}`);
}

// 3. Cost per 1 KB prompt.
function promptsOf(sentences: readonly { text: string }[], count: number): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; out.length < count; i++) {
    current += `${(sentences[i % sentences.length] as { text: string }).text} `;
    if (current.length >= 1024) {
      out.push(current.slice(0, 1024));
      current = "";
    }
  }
  return out;
}
const PROSE = "The quarterly review covers delivery times, the supplier contracts and how the support team handled the spring peak. ";
const densePrompts = promptsOf(generateLabeledSet({ seed: seed + 2, size: 2000 }), 500);
const idsPerPrompt = densePrompts.reduce((n, p) => n + guard.scan(p).length, 0) / densePrompts.length;
const kinds: Array<[string, string[]]> = [
  [`PII-dense (labeled sentences, ${idsPerPrompt.toFixed(1)} ids per KB)`, densePrompts],
  ["numbers, no PII (near-misses only)", promptsOf(generateLabeledSet({ seed: seed + 3, size: 2000, validShare: 0 }), 500)],
  ["plain prose, no digits", [PROSE.repeat(Math.ceil(1024 / PROSE.length)).slice(0, 1024)]],
];

function time(label: string, prompts: readonly string[], run: (text: string) => unknown): void {
  for (let i = 0; i < 2000; i++) run(prompts[i % prompts.length] as string);
  const samples = new Float64Array(rounds);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    run(prompts[i % prompts.length] as string);
    samples[i] = (performance.now() - t0) * 1000;
  }
  const wallUs = (performance.now() - wall0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / rounds;
  samples.sort();
  // Throughput from CPU time: on a shared machine wall time also counts the time other processes held the core.
  const mbPerSecond = 1024 / cpuUs;
  console.log(`  ${label.padEnd(55)} P50 ${nearestRank(samples, 0.5).toFixed(1).padStart(6)} µs  P99 ${nearestRank(samples, 0.99).toFixed(1).padStart(6)} µs  wall mean ${(wallUs / rounds).toFixed(1).padStart(6)} µs  CPU mean ${cpuUs.toFixed(1).padStart(6)} µs  ${mbPerSecond.toFixed(0).padStart(4)} MB/s`);
}

console.log(`\ncost per 1 KB prompt (${rounds} calls each after 2,000 warm-up calls; P50/P99 from a per-call wall timer, MB/s from CPU time)`);
for (const [label, prompts] of kinds) time(`scan — ${label}`, prompts, (t) => guard.scan(t));
const [denseLabel, dense] = kinds[0] as [string, string[]];
time(`scan + redact (new session) — ${denseLabel.split(" (")[0]}`, dense, (t) => guard.redactText(t, createRedactionSession()));
time("redactMessages, 1 user message — PII-dense", dense, (t) => guard.redactMessages([{ role: "user", content: t }], createRedactionSession()));
const restoreSession = createRedactionSession();
const redacted = dense.map((t) => guard.redactText(t, restoreSession));
time("session.restore of the redacted text — PII-dense", redacted, (t) => restoreSession.restore(t));
time("stream restore, 16-char deltas — PII-dense", redacted, (t) => {
  const restorer = restoreSession.streamRestorer();
  let out = "";
  for (let i = 0; i < t.length; i += 16) out += restorer.push(t.slice(i, i + 16));
  return out + restorer.flush();
});
const userOnly: PiiGuard = createPiiGuard({ types: [], patterns: [{ name: "employee_id", pattern: String.raw`\bEMP-\d{6}\b` }] });
time("scan — one user pattern, built-ins off — PII-dense", dense, (t) => userOnly.scan(t));
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} cores`);
