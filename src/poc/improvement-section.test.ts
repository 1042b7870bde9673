import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../compact/random.ts";
import { validateConfig } from "../core/config-file.ts";
import { isFrugalError } from "../core/errors.ts";
import { createMeter } from "../meter/index.ts";
import { pocConfigSchema } from "./config.ts";
import { readPocDataset } from "./dataset.ts";
import { improvementLoopSection } from "./improvement-section.ts";

const LABELS = ["billing", "card", "refund", "transfer"];
const WORDS: Record<string, string[]> = {
  billing: ["invoice", "charge", "bill", "fee"],
  card: ["card", "pin", "atm", "chip"],
  refund: ["refund", "return", "reimburse", "dispute"],
  transfer: ["transfer", "wire", "iban", "swift"],
};

function csv(n: number, seed: number): string {
  const rng = createRng(seed);
  const lines = ["text,category"];
  for (let i = 0; i < n; i++) {
    const label = LABELS[i % LABELS.length] as string;
    const words = WORDS[label] as string[];
    lines.push(`please help ${words[Math.floor(rng() * 4)]} my ${words[Math.floor(rng() * 4)]} today n${seed}x${i},${label}`);
  }
  return lines.join("\n");
}

const yaml = (loop: Record<string, unknown>) => ({
  task: { name: "intents", kind: "classify", dataset: { path: "test.csv", text: "text", label: "category" }, labels: LABELS },
  tiers: {
    compact: { kind: "compact", train: { data: "train.csv", text: "text", label: "category" } },
    "big-llm": { kind: "llm", model: "gpt-4o-mini", modeled: { planner_model: "llama-3.1-8b" } },
  },
  pipelines: [{ name: "frugal", tiers: ["compact", "big-llm"] }],
  load: { kind: "constant", rate: 10 },
  slo: { p95_ms: 1000 },
  quality_target: 0.9,
  improvement_loop: loop,
});

test("poc.yaml improvement_loop runs the loop on the compact tier's training texts, scored on the PoC dataset", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-loop-"));
  try {
    writeFileSync(join(dir, "train.csv"), csv(1200, 1));
    writeFileSync(join(dir, "test.csv"), csv(200, 2));
    const meter = createMeter();
    const dataset = readPocDataset({ file: join(dir, "test.csv"), kind: "classify", textCol: "text", labelCol: "category", fieldsCol: "fields" });
    const task = { name: "intents", kind: "classify" as const, labels: LABELS };
    const config = validateConfig(pocConfigSchema, yaml({ enabled: true, windows: 2, seed_share: 0.1, noise: 0.02 }), "poc.yaml");
    const result = await improvementLoopSection({ config, baseDir: dir, env: {}, meter, task, dataset });
    assert.ok(result !== undefined);
    assert.equal(result.labeler, "simulated");
    assert.equal(result.provenance.labels, "simulated");
    assert.equal(result.windows.length, 2);
    assert.equal(result.test_rows, 200);
    assert.equal(result.seed_rows + result.traffic_rows, 1200);
    assert.equal(result.windows.reduce((a, w) => a + w.requests, 0), result.traffic_rows);
    for (const w of result.windows) assert.ok(w.cost_per_1k_usd.total > 0 && w.test.n === 200);

    const off = validateConfig(pocConfigSchema, yaml({ enabled: false }), "poc.yaml");
    assert.equal(await improvementLoopSection({ config: off, baseDir: dir, env: {}, meter, task, dataset }), undefined);
    const noTrain = validateConfig(pocConfigSchema, { ...yaml({ enabled: true }), tiers: { "big-llm": yaml({}).tiers["big-llm"] }, pipelines: [{ name: "dense", tiers: ["big-llm"] }] }, "poc.yaml");
    await assert.rejects(improvementLoopSection({ config: noTrain, baseDir: dir, env: {}, meter, task, dataset }), isFrugalError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
