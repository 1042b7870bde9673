/**
 * Numbers a buyer can trust (issue 9): a dead or failing endpoint fails the run loudly instead of reading like a result,
 * requests that never complete count as failed, cost is priced by the model the endpoint serves, and both pipelines see
 * the same request stream with each item sent once unless repeats are asked for.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isFrugalError } from "../core/errors.ts";
import { lastUserText, startFakeOpenAiServer, type FakeBehaviour, type FakeOpenAiServer } from "../../test/fixtures/fake-openai-server.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import { tableClassifier } from "../tiers/testing.ts";
import type { RequestRecord } from "./records.ts";
import { runPoc } from "./run-poc.ts";
import { closedPort } from "../testing/ports.ts";

const labels = ["card_arrival", "pin_blocked", "exchange_rate"];
const dir = mkdtempSync(join(tmpdir(), "frugal-poc-failures-"));
const rows = Array.from({ length: 30 }, (_, i) => ({ text: `message ${i} about ${labels[i % 3]}`, label: labels[i % 3] as string }));
const gold = new Map(rows.map((r) => [r.text, r.label]));
writeFileSync(join(dir, "data.csv"), ["text,category", ...rows.map((r) => `${r.text},${r.label}`)].join("\n"));
const table = Object.fromEntries(rows.map((r, i) => [r.text, { label: r.label, confidence: i % 2 === 0 ? 0.95 : 0.4 }]));
const loader: CompactLoader = {
  load: ({ file }) => ({ model: tableClassifier(labels, table, 0.8), id: `table#${file}`, file, trained: false, info: {} }),
  trainOrReuse: async () => {
    throw new Error("not used");
  },
};

function writeConfig(name: string, { load = "{ kind: constant, rate: 500 }", llm = "", extra = "" } = {}): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `
task:
  name: intents
  kind: classify
  dataset: { path: data.csv, text: text, label: category }
  labels: [${labels.join(", ")}]
tiers:
  cache: { kind: cache }
  compact: { kind: compact, model: table.frugal }
  big-llm: { kind: llm, model: llama-3.1-70b-instruct-turbo, max_retries: 0${llm === "" ? ", timeout_ms: 30000" : llm} }
pipelines:
  - name: dense
    tiers: [big-llm]
  - name: frugal
    tiers: [cache, compact, big-llm]
load: ${load}
slo: { p95_ms: 2000 }
quality_target: 0.9
${extra}`,
  );
  return file;
}

// Answers every classification right; `script` decides, per chat request (the preflight's is index 0), to misbehave.
let script: (index: number) => FakeBehaviour | undefined = () => undefined;
let server: FakeOpenAiServer;
before(async () => {
  server = await startFakeOpenAiServer({
    handler: (_request, index) => script(index),
    answer: (request) => gold.get(/Message: (.*)\n/.exec(lastUserText(request))?.[1] ?? "") ?? "exchange_rate",
  });
});
after(async () => server.close());

const run = (config: string, out: string, env: Record<string, string> = {}) =>
  runPoc({ configFile: config, outDir: join(dir, out), env: { FRUGAL_LLM_BASE_URL: server.url, ...env }, compactLoader: loader, fresh: true });

test("preflight: a dead port, a 500, a 429 or a hang fails before anything is measured, as an exit-3 error naming the endpoint", async () => {
  const config = writeConfig("preflight", { llm: ", timeout_ms: 400" });
  const port = await closedPort();
  const dead = runPoc({ configFile: config, outDir: join(dir, "dead"), env: { FRUGAL_LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, FRUGAL_LLM_API_KEY: "sk-secret-key" }, compactLoader: loader });
  await assert.rejects(dead, (error: unknown) => {
    assert.ok(isFrugalError(error));
    assert.equal(error.exitCode, 3);
    assert.match(error.message, new RegExp(`tier big-llm \\(http://127\\.0\\.0\\.1:${port}/v1, model "llama-3.1-70b-instruct-turbo"\\) failed the preflight`));
    assert.ok(!error.message.includes("sk-secret-key"));
    return true;
  });
  assert.ok(!existsSync(join(dir, "dead", "results.json")), "no report of a run that never ran");
  for (const [behaviour, code] of [
    [{ type: "error", status: 500 }, "upstream_unavailable"],
    [{ type: "rate-limit" }, "rate_limited"],
    [{ type: "hang" }, "provider_timeout"],
  ] as Array<[FakeBehaviour, string]>) {
    script = () => behaviour;
    await assert.rejects(run(config, `pre-${code}`), (error: unknown) => isFrugalError(error) && error.code === code && error.exitCode === 3 && error.message.includes(server.url));
  }
  script = () => undefined;
});

test("an endpoint that starts answering 500 mid-run stops the run: aborted, partial report, no comparison nor recommendation", async () => {
  script = (index) => (index > 6 ? { type: "error", status: 500, message: "overloaded" } : undefined);
  // 20 req/s: the 20th answer (when the limit is first checked) comes back long before the 30th request is due, even if
  // a cold start delays the first sends.
  const config = writeConfig("mid-run", { load: "{ kind: constant, rate: 20, warmup: 2 }" });
  const outcome = await run(config, "mid-run");
  script = () => undefined;
  assert.equal(outcome.interrupted, true);
  assert.equal(outcome.aborted?.pipeline, "dense");
  assert.equal(outcome.aborted?.detected, "during_run");
  assert.ok((outcome.aborted?.failure_rate ?? 0) > 0.05);
  assert.match(outcome.aborted?.reason ?? "", /upstream_unavailable.*overloaded/);
  const results = JSON.parse(readFileSync(join(dir, "mid-run", "results.json"), "utf8")) as Record<string, unknown> & { pipelines: Array<{ name: string; failure_rate: number }> };
  assert.deepEqual(results.pipelines.map((p) => p.name), ["dense"], "the frugal pipeline did not run");
  assert.ok((results.pipelines[0]?.failure_rate ?? 0) > 0.05);
  assert.equal(results.comparison, undefined);
  assert.equal((results.recommendation as { withheld?: boolean; threshold: unknown }).withheld, true);
  assert.equal((results.recommendation as { threshold: unknown }).threshold, null);
  assert.match(String(results.partial_note), /^stopped on failures: pipeline dense failed/);
  assert.doesNotMatch(String(results.partial_note), /Ctrl-C/);
  const recorded = (results.pipelines[0] as unknown as { requests_recorded: number }).requests_recorded;
  assert.ok(recorded < 30, `stopped early: ${recorded} of 30 recorded`);

  // The endpoint is fixed; the same command resumes, measures the failed requests again, and completes.
  const fixed = await runPoc({ configFile: config, outDir: join(dir, "mid-run"), env: { FRUGAL_LLM_BASE_URL: server.url }, compactLoader: loader });
  assert.equal(fixed.aborted, undefined);
  assert.equal(fixed.interrupted, false);
  assert.equal(fixed.results.pipelines[0]?.failure_rate, 0);
  assert.match(JSON.stringify(fixed.results.run_notes), /dense: \d+ requests that failed in an earlier run stopped by failure_limit were measured again/);
  assert.notEqual((fixed.results.recommendation as { withheld?: boolean }).withheld, true);
});

test("requests still in flight at drain_ms count as failed (timed out), in the latency and SLO figures; nothing says Ctrl-C", async () => {
  // Every 5th measured request hangs; drain_ms is short and the tier's own timeout long, so the drain deadline ends them.
  script = (index) => (index > 0 && index % 5 === 0 ? { type: "hang" } : undefined);
  const config = writeConfig("drain", { load: "{ kind: constant, rate: 500, items: 20, drain_ms: 300 }", llm: ", timeout_ms: 60000", extra: "failure_limit: 0.5" });
  const outcome = await run(config, "drain");
  script = () => undefined;
  assert.equal(outcome.interrupted, false);
  assert.equal(outcome.results.partial, false);
  const dense = outcome.results.pipelines[0];
  assert.equal(dense?.metrics.requests, 20, "every planned request is in the figures");
  const lines = readFileSync(join(dir, "drain", "poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord);
  const timedOut = lines.filter((r) => r.pipeline === "dense" && r.timed_out_at_drain === true);
  assert.ok(timedOut.length >= 3, `${timedOut.length} timed out`);
  assert.ok(timedOut.every((r) => !r.ok && r.error?.code === "provider_timeout" && r.latency.total_ms > 0));
  assert.equal(dense?.metrics.failed_requests, timedOut.length);
  assert.ok((dense?.metrics.slo_attainment ?? 1) <= 1 - timedOut.length / 20 + 1e-9, "timed-out requests are in the SLO's denominator, as misses");
  assert.match(JSON.stringify(outcome.results.run_notes), /still in flight when load\.drain_ms \(300 ms\) passed/);
});

test("cost is priced by the model the endpoint serves, and every tier names its price row", async () => {
  const config = writeConfig("served", { load: "{ kind: constant, rate: 500, items: 10 }" });
  const { results } = await run(config, "served", { FRUGAL_LLM_MODEL: "gpt-4o" });
  const dense = results.pipelines[0];
  const priced = dense?.tiers[0]?.priced_as as Record<string, unknown>;
  assert.equal(priced.model, "openai/gpt-4o");
  assert.equal(priced.usd_per_1m_input, 2.5);
  assert.equal(priced.usd_per_1m_output, 10);
  assert.equal(priced.catalog_version, "2025-10");
  assert.equal(priced.served_model_from, "FRUGAL_LLM_MODEL");
  const records = readFileSync(join(dir, "served", "poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord);
  const first = records.find((r) => r.pipeline === "dense");
  assert.ok(first !== undefined);
  assert.ok(Math.abs((first.cost_usd ?? 0) - (first.tokens.input * 2.5 + first.tokens.output * 10) / 1e6) < 1e-12, "gpt-4o's row, not the 70B's $0.88");
  const onDisk = JSON.parse(readFileSync(join(dir, "served", "results.json"), "utf8")) as { pipelines: Array<{ tiers: Array<{ priced_as?: { model: string } }> }> };
  assert.equal(onDisk.pipelines[0]?.tiers[0]?.priced_as?.model, "openai/gpt-4o");
  await assert.rejects(run(config, "unpriced", { FRUGAL_LLM_MODEL: "my-vllm-model" }), (error: unknown) => {
    assert.ok(isFrugalError(error) && error.code === "config_invalid");
    assert.match(error.message, /serves "my-vllm-model" \(from FRUGAL_LLM_MODEL\).*prices\.overrides/);
    return true;
  });
});

test("fair cache: each item once by default, the same stream for every pipeline; replays only through load.repeat", async () => {
  // Not a test of failures: a transient one on a loaded machine must not stop the run.
  const tolerant = { extra: "failure_limit: 0.5" };
  const config = writeConfig("fair", tolerant);
  const once = await run(config, "fair");
  assert.equal(once.aborted, undefined, once.aborted?.reason);
  const records = readFileSync(join(dir, "fair", "poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord);
  const streamOf = (pipeline: string): string[] => records.filter((r) => r.pipeline === pipeline).sort((a, b) => a.seq - b.seq).map((r) => r.item);
  assert.equal(streamOf("dense").length, 30);
  assert.equal(new Set(streamOf("dense")).size, 30, "each item once");
  assert.deepEqual(streamOf("frugal"), streamOf("dense"), "the same stream");
  assert.equal(once.results.pipelines[1]?.metrics.cache_hit_rate, 0, "no replay for the cache to answer");
  assert.deepEqual(once.results.pipelines.map((p) => p.name), ["dense", "frugal"], "no reference pipeline without repeats");

  await assert.rejects(run(writeConfig("too-many", { load: "{ kind: constant, rate: 500, items: 40 }" }), "too-many"), /load\.items: 40 requests.*30 usable items.*load\.repeat/);

  const zipf = await run(writeConfig("zipf", { ...tolerant, load: "{ kind: constant, rate: 500, repeat: { kind: zipf, exponent: 1.1, requests: 60 } }" }), "zipf");
  assert.equal(zipf.aborted, undefined, zipf.aborted?.reason);
  const replayed = readFileSync(join(dir, "zipf", "poc.frugal-results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord);
  const of = (pipeline: string): string[] => replayed.filter((r) => r.pipeline === pipeline).sort((a, b) => a.seq - b.seq).map((r) => r.item);
  assert.equal(of("dense").length, 60);
  assert.ok(new Set(of("dense")).size < 60, "repeats");
  assert.deepEqual(of("frugal"), of("dense"));
  assert.deepEqual(of("dense-with-cache"), of("dense"));
  assert.ok((zipf.results.cache_attribution?.saved_by_cache_usd_per_request ?? 0) > 0, JSON.stringify(zipf.results.cache_attribution));
});
