/**
 * The PoC end to end against a real OpenAI-compatible endpoint: the fake server of test/fixtures speaks the protocol over
 * HTTP (undici on our side). The compact model is a small table-driven classifier so the test checks the runner, not the
 * trainer (the demo test trains a real one).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastUserText, startFakeOpenAiServer, type FakeOpenAiServer } from "../../test/fixtures/fake-openai-server.ts";
import { tableClassifier } from "../tiers/testing.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import type { RequestRecord } from "./records.ts";
import { runPoc, type PocEvent } from "./run-poc.ts";

const labels = ["card_arrival", "pin_blocked", "exchange_rate"];
const dir = mkdtempSync(join(tmpdir(), "frugal-poc-e2e-"));
const rows: Array<{ text: string; label: string }> = [];
for (let i = 0; i < 36; i++) rows.push({ text: `message ${i} about ${labels[i % 3]}${i === 7 ? " broken" : ""}`, label: labels[i % 3] as string });
const gold = new Map(rows.map((r) => [r.text, r.label]));
writeFileSync(join(dir, "data.csv"), ["text,category", ...rows.map((r) => `${r.text},${r.label}`), "a row without its label,", '"",pin_blocked'].join("\n"));

// Compact: sure (and right) on even rows, unsure on odd rows, and wrong-but-sure on row 4.
const table: Record<string, { label: string; confidence: number }> = {};
rows.forEach((r, i) => (table[r.text] = { label: i === 4 ? "pin_blocked" : r.label, confidence: i % 2 === 0 ? 0.95 : 0.4 }));
const loader: CompactLoader = {
  load: ({ file }) => ({ model: tableClassifier(labels, table, 0.8), id: `table#${file}`, file, trained: false, info: {} }),
  trainOrReuse: async () => {
    throw new Error("not used");
  },
};

const config = (extra = "") => `
task:
  name: intents
  kind: classify
  dataset: { path: data.csv, text: text, label: category }
  labels: [${labels.join(", ")}]
tiers:
  cache: { kind: cache }
  compact: { kind: compact, model: table.frugal }
  big-llm:
    kind: llm
    model: gpt-4o-mini
    max_retries: 1
    retry_base_ms: 1
    timeout_ms: 5000
    modeled: { planner_model: llama-3.1-8b }
pipelines:
  - name: dense
    tiers: [big-llm]
  - name: frugal
    tiers: [cache, compact, big-llm]
load: { kind: constant, rate: 400, items: 50, warmup: 3, repeat: { kind: cycle } }
slo: { p95_ms: 2000 }
quality_target: 0.9
# The "broken" item fails on purpose (up to 2 of the first 38 requests): above the default 5%.
failure_limit: 0.2
prices:
  overrides: [{ model: fake-model, input_usd_per_1m: 0.15, output_usd_per_1m: 0.6, source: the test's own price, date: 2025-08 }]
${extra}`;
writeFileSync(join(dir, "poc.yaml"), config());

let server: FakeOpenAiServer;
let chatRequests = 0;
before(async () => {
  server = await startFakeOpenAiServer({
    apiKey: "test-key",
    handler: (request) => {
      chatRequests++;
      return lastUserText(request).includes(" broken") ? { type: "error", status: 500, message: "upstream exploded" } : undefined;
    },
    answer: (request) => {
      const text = lastUserText(request);
      const message = /Message: (.*)\n/.exec(text)?.[1] ?? "";
      // Answers in the loose ways real LLMs do; the tier must read every one of them.
      const label = gold.get(message) ?? "exchange_rate";
      return message.endsWith("1 about pin_blocked") ? `The intent is ${label}.` : ` ${label.replace(/_/g, " ").toUpperCase()}\n`;
    },
  });
});
after(async () => server.close());

const env = () => ({ FRUGAL_LLM_BASE_URL: server.url, FRUGAL_LLM_MODEL: "fake-model", FRUGAL_LLM_API_KEY: "test-key" });
const records = (out: string): RequestRecord[] =>
  readFileSync(join(out, "poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord);

test("measured LLM tier: quality, cost, latency, escalation, cache hits, failed rows, sweep and report", async () => {
  const out = join(dir, "measured");
  const outcome = await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: env(), compactLoader: loader, fresh: true });
  const { results } = outcome;
  assert.equal(outcome.interrupted, false);
  for (const file of ["index.html", "summary.md", "results.json"]) assert.ok(existsSync(join(out, file)), file);
  const [dense, frugal] = results.pipelines;
  assert.ok(dense !== undefined && frugal !== undefined);
  assert.equal(dense.metrics.quality.provenance, "measured");
  assert.equal(frugal.metrics.quality.provenance, "measured");
  // The "broken" item fails after a retry (500 twice) every time it is drawn: a failed row, counted, never a crash.
  assert.ok((dense.metrics.failed_requests ?? 0) >= 1);
  const failed = records(out).filter((r) => !r.ok);
  assert.ok(failed.every((r) => r.error?.code === "upstream_unavailable" && r.item === "line-9"), JSON.stringify(failed[0]?.error));
  assert.ok((results.failures as Array<{ code?: string }>).some((f) => f.code === "upstream_unavailable"));
  // Everything else the LLM answers right, whichever way it phrased the label.
  assert.equal(dense.metrics.accuracy, (50 - dense.metrics.failed_requests! - dense.metrics.unscored_items!) / (50 - dense.metrics.unscored_items!));
  assert.ok(frugal.metrics.escalation_rate > 0.2 && frugal.metrics.escalation_rate < 0.8);
  assert.ok(frugal.metrics.cache_hit_rate > 0, "50 requests over 37 usable items repeat some: the cache answers them");
  assert.equal(frugal.metrics.latency_ms.provenance, "measured");
  assert.equal(dense.metrics.latency_ms.provenance, "measured");
  assert.ok((frugal.metrics.cost_per_request_usd.value ?? 1) < (dense.metrics.cost_per_request_usd.value ?? 0));
  assert.ok((dense.metrics.unscored_items ?? 0) >= 1, "the row without a label runs but is not scored");
  assert.equal((results.dataset_problems as { count: number }).count, 2);
  // The sweep replays the run; the dense pipeline supplies the LLM's answer wherever frugal did not escalate.
  assert.ok(results.sweep.length > 5 && results.sweep.every((p) => p.quality !== null));
  const rec = results.recommendation as { basis: string; threshold: number | null };
  assert.equal(rec.basis, "measured");
  assert.equal(results.measure_with, undefined);
  const sent = server.requests.filter((r) => r.path.endsWith("/chat/completions"));
  assert.ok(sent.every((r) => r.headers.authorization === "Bearer test-key" && r.body?.model === "fake-model"));
  // Priced as the served model, by the override the config gives it; every tier says with what.
  const llmTier = dense.tiers.find((t) => t.name === "big-llm");
  assert.deepEqual(
    { ...(llmTier?.priced_as as object), source: undefined },
    { basis: "tokens", model: "fake-model", source: undefined, usd_per_1m_input: 0.15, usd_per_1m_output: 0.6, catalog_version: "prices.overrides", origin: "override", as_of: "2025-08", served_model: "fake-model", served_model_from: "FRUGAL_LLM_MODEL" },
  );
  assert.equal((frugal.tiers.find((t) => t.name === "compact")?.priced_as as { basis: string }).basis, "cpu_time");
  // load.repeat with a caching chain: the baseline also runs behind the same cache, and the saving is split in two.
  const reference = results.pipelines[2];
  assert.equal(reference?.name, "dense-with-cache");
  assert.deepEqual(reference?.tiers.map((t) => t.name), ["cache", "big-llm"]);
  assert.ok((reference?.metrics.cache_hit_rate ?? 0) > 0);
  const split = results.cache_attribution;
  assert.equal(split?.baseline_with_cache, "dense-with-cache");
  assert.ok((split?.saved_by_cache_usd_per_request ?? 0) > 0, JSON.stringify(split));
  // Warm-up: the same requests for every pipeline, in no figure, what they cost listed apart.
  assert.equal(results.warmup?.policy, "excluded");
  assert.ok((results.warmup?.cost_usd_by_pipeline.dense ?? 0) > 0);
});

test("a rerun skips what was measured; --fresh measures again", async () => {
  const out = join(dir, "resume");
  await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: env(), compactLoader: loader, fresh: true });
  const before = chatRequests;
  const again = await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: env(), compactLoader: loader });
  assert.equal(chatRequests, before, "nothing was sent again");
  assert.equal(again.results.pipelines[0]?.resumed_from_results_file, 50);
  assert.equal(records(out).length, 150, "dense, frugal and the dense-with-cache reference (load.repeat): 50 each");
  await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: env(), compactLoader: loader, fresh: true });
  assert.ok(chatRequests > before);
  assert.equal(records(out).length, 150);
});

test("Ctrl-C writes a partial report; the next run resumes and completes it", async () => {
  const out = join(dir, "interrupt");
  writeFileSync(join(dir, "slow.yaml"), config().replace("rate: 400, items: 50", "rate: 100, items: 60"));
  const controller = new AbortController();
  const onEvent = (e: PocEvent): void => {
    if (e.type === "progress" && e.pipeline === "dense" && e.done === 10) controller.abort();
  };
  const partial = await runPoc({ configFile: join(dir, "slow.yaml"), outDir: out, env: env(), compactLoader: loader, fresh: true, signal: controller.signal, onEvent });
  assert.equal(partial.interrupted, true);
  assert.equal(partial.results.partial, true);
  assert.ok(existsSync(join(out, "index.html")));
  const kept = records(out).length;
  assert.ok(kept >= 10 && kept < 60, `${kept} records`);
  const resumed = await runPoc({ configFile: join(dir, "slow.yaml"), outDir: out, env: env(), compactLoader: loader });
  assert.equal(resumed.interrupted, false);
  assert.equal(records(out).length, 180);
});

test("without an endpoint the LLM tier is modeled: no content, quality not measured, the env vars named", async () => {
  const out = join(dir, "modeled");
  const { results } = await runPoc({ configFile: join(dir, "poc.yaml"), outDir: out, env: {}, compactLoader: loader, fresh: true });
  const [dense, frugal] = results.pipelines;
  assert.equal(dense?.metrics.quality.provenance, "not_measured");
  assert.equal(frugal?.metrics.quality.provenance, "not_measured");
  assert.equal((frugal?.metrics.quality_measured_part as { provenance: string }).provenance, "measured");
  assert.equal(dense?.metrics.latency_ms.provenance, "mixed");
  assert.equal(dense?.metrics.cost_per_request_usd.provenance, "modeled");
  const hint = JSON.stringify(results.measure_with);
  for (const name of ["FRUGAL_LLM_BASE_URL", "FRUGAL_LLM_MODEL", "FRUGAL_LLM_API_KEY"]) assert.ok(hint.includes(name), name);
  assert.ok(dense?.tiers.some((t) => t.modeled === true && String(t.measured_by).includes("FRUGAL_LLM_BASE_URL")));
  // Where the chain sends anything to the modeled LLM its quality is unknown; only thresholds that escalate nothing are measured.
  for (const point of results.sweep) {
    if (point.coverage === 1) assert.equal(point.quality_provenance, "measured", `threshold ${point.threshold}`);
    if (point.quality === null) assert.ok(point.coverage < 1, `threshold ${point.threshold}`);
  }
  assert.equal(results.sweep.find((p) => p.threshold === 0.9)?.quality, null, "at 0.9 half the requests go to the modeled LLM");
  for (const point of results.sweep) {
    assert.notEqual(point.quality_provenance, "modeled", "a point's quality_provenance describes `quality`: measured or not measured");
    assert.equal(point.compact_quality_provenance, "measured");
    assert.equal(point.cost_provenance, "modeled");
  }
  // The recommendation says what is known: the chain's quality is not (the LLM is modeled), the compact part's is.
  const rec = results.recommendation;
  if (rec.basis === "compact_part_meets_target") {
    assert.equal(rec.quality, null, "the chain's quality is unknown: the compact part's must not stand in for it");
    assert.equal(rec.quality_provenance, "not_measured");
    assert.equal(typeof rec.compact_quality, "number");
    assert.equal(rec.compact_quality_provenance, "measured");
    assert.equal(rec.coverage_provenance, "measured");
  } else if (rec.basis === "measured") {
    // Only a threshold that sends nothing to the modeled LLM can have a measured chain quality.
    assert.equal(rec.coverage, 1);
    assert.equal(rec.quality_provenance, "measured");
  } else assert.equal(rec.basis, "none");
  assert.equal(rec.provenance, undefined, "no single, ambiguous provenance for the whole point");
  if (rec.threshold !== null) {
    assert.equal(rec.cost_provenance, "modeled");
    assert.match(String(rec.cost_note), /price tables.*compact: measured CPU time at \$[\d.]+\/core-hour.*big-llm: modeled usage × /);
  }
});

test("bad inputs: an invalid config names its key path; an unknown model price names the tier", async () => {
  writeFileSync(join(dir, "bad.yaml"), config().replace("rate: 400", "rate: fast"));
  await assert.rejects(runPoc({ configFile: join(dir, "bad.yaml"), outDir: join(dir, "bad"), env: {}, compactLoader: loader }), /load.rate/);
  writeFileSync(join(dir, "price.yaml"), config().replace("model: gpt-4o-mini", "model: no-such-model-xyz"));
  await assert.rejects(runPoc({ configFile: join(dir, "price.yaml"), outDir: join(dir, "price"), env: {}, compactLoader: loader }), /tiers\.big-llm\.model/);
});
