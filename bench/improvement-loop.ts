/**
 * The improvement loop, measured (issue 11): BANKING77's training texts replayed as traffic in windows, starting from a
 * compact model trained on a small labeled seed; escalations answered by the LLM tier of examples/banking77/poc.yaml — a
 * real endpoint when FRUGAL_LLM_BASE_URL is set, otherwise the openly SIMULATED labeler (the gold label flipped with the
 * stated noise rate; every figure it feeds is marked `labeler: simulated`, never measured). After each window: distill,
 * certify, promote by the rule in src/improve/distill-core.ts. The loop itself is src/improve/improvement-loop.ts.
 *
 * Run: `node --import tsx bench/improvement-loop.ts [--windows 6] [--seed-share 0.05] [--noise 0.05] [--epsilon 0.1]
 *       [--audit-share 0.02] [--seed 1] [--max-epochs 30] [--json out.json]`
 *
 * Test figures are on examples/banking77/test.csv, which nothing in the loop trains, calibrates or promotes on. Costs are
 * modeled (catalog price × tokens; the tokens are the tokenizer's count of each rendered prompt when the labeler is
 * simulated, the endpoint's count otherwise; compact: measured CPU time × $/core-hour).
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { loadConfigFile } from "../src/core/config-file.ts";
import { readLabeledTexts } from "../src/data/labeled-texts.ts";
import { runImprovementLoop, type LoopResult } from "../src/improve/improvement-loop.ts";
import { createLoopLabeler } from "../src/improve/loop-labeler.ts";
import { loopResultSchema, loopTable, loopTableMarkdown } from "../src/improve/loop-table.ts";
import { createMeter } from "../src/meter/index.ts";
import { readTaskLabels } from "../src/pipeline/labels.ts";
import { tierMeterOf } from "../src/pipeline/tier-meter.ts";
import { pocConfigSchema } from "../src/poc/config.ts";

const args = process.argv.slice(2);
function flag(name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
}
function numberFlag(name: string, fallback: number): number {
  const raw = flag(name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name}: expected a number, got ${raw}`);
  return value;
}

const configFile = resolve(flag("config") ?? "examples/banking77/poc.yaml");
const baseDir = dirname(configFile);
const config = loadConfigFile(pocConfigSchema, configFile);
const labels = readTaskLabels(config.task.labels, baseDir, "task.labels");
if (labels === undefined) throw new Error(`${configFile}: the task needs a label set`);
const labelCol = config.task.dataset.label ?? "label";
const traffic = readLabeledTexts(resolve(baseDir, flag("train") ?? "train.csv"), { labelCol }).examples.map(({ text, label }) => ({ text, label }));
const test = readLabeledTexts(resolve(baseDir, flag("test") ?? config.task.dataset.path), { labelCol }).examples.map(({ text, label }) => ({ text, label }));
const task = { name: config.task.name, kind: "classify" as const, labels, ...(config.task.prompt !== undefined ? { promptTemplate: config.task.prompt } : {}) };
const meter = createMeter({ ...(config.prices !== undefined ? { prices: config.prices } : {}), baseDir });
const tierName = flag("tier") ?? Object.entries(config.tiers).find(([, t]) => t.kind === "llm")?.[0] ?? "big-llm";
const seed = numberFlag("seed", 1);
const noise = numberFlag("noise", 0.05);
const labeler = await createLoopLabeler({ task, tiers: config.tiers, tierName, baseDir, env: process.env, meter, noise, seed });
const maxEpochs = numberFlag("max-epochs", 30);

const started = performance.now();
const load = [loadavg()[0] ?? 0];
let result: LoopResult;
try {
  result = await runImprovementLoop({
    task,
    traffic,
    test,
    labeler,
    tierMeter: tierMeterOf(meter),
    settings: {
      windows: numberFlag("windows", 6),
      seedShare: numberFlag("seed-share", 0.05),
      epsilon: numberFlag("epsilon", 0.1),
      auditShare: numberFlag("audit-share", 0.02),
      seed,
    },
    trainOptions: { maxEpochs },
    onEvent: (message) => {
      load.push(loadavg()[0] ?? 0);
      console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${message}`);
    },
  });
} finally {
  await labeler.close();
}
load.push(loadavg()[0] ?? 0);
const wallS = (performance.now() - started) / 1000;

const table = loopTable(loopResultSchema.parse(result));
console.log(`\n${table.title} on ${config.task.name}${result.labeler === "simulated" ? ` — LLM labels SIMULATED (noise ${noise}), not measured` : ""}\n`);
console.log(loopTableMarkdown(table).join("\n"));
console.log(`\n${table.notes.map((n) => `- ${n}`).join("\n")}`);
console.log(`wall ${wallS.toFixed(0)} s; 1-minute load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
const jsonOut = flag("json");
if (jsonOut !== undefined) {
  writeFileSync(jsonOut, JSON.stringify({ ...result, command: `node --import tsx bench/improvement-loop.ts ${args.join(" ")}`.trim(), wall_s: wallS, load_average: [Math.min(...load), Math.max(...load)], max_epochs: maxEpochs }, null, 2));
  console.log(`wrote ${jsonOut}`);
}
