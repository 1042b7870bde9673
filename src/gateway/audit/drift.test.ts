/**
 * The drift guard end to end, through a real gateway: BANKING77 served by a compact model trained WITHOUT 19 of its 77
 * intents (the shift: texts of those intents get confidently wrong answers, since the model cannot say their label), a
 * local stand-in LLM that answers each text's gold label, and audits of every kept answer (rate 1, to keep it short).
 * Phase 1, in-distribution traffic: the guard stays clear. Phase 2, traffic rich in held-out intents: it trips (ledger
 * event row, /metrics, /admin/status, `frugal status`). Phase 3, fresh shifted requests: the kept error measured against
 * gold is back under ε, where the certified threshold alone would have kept far more than ε wrong. Counts, not timings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { lastUserText, startFakeOpenAiServer } from "../../../test/fixtures/fake-openai-server.ts";
import { classifierToContents, saveClassifierFile, trainClassifier } from "../../compact/index.ts";
import { validateConfig } from "../../core/config-file.ts";
import { readLabeledTexts } from "../../data/labeled-texts.ts";
import { fetchStatus, formatStatus } from "../../cli/commands/status.ts";
import { gatewayConfigSchema } from "../config.ts";
import { ledgerRows } from "../testing/behaviour.ts";
import { startGateway } from "../server.ts";

const EPSILON = 0.05;
const ADMIN_KEY = "admin-test-key";
const data = (file: string) => readLabeledTexts(resolve("examples/banking77", file)).examples;
const train = data("train.csv");
const testSet = data("test.csv");
const intents = [...new Set(train.map((e) => e.label))].sort();
const heldOut = new Set(intents.filter((_, i) => i % 4 === 1));
const gold = new Map([...train, ...testSet].map((e) => [e.text, e.label]));
const every = <T>(items: T[], n: number, offset = 0): T[] => items.filter((_, i) => i % n === offset);


test("drift guard: clear in distribution, trips on held-out intents, and the kept error recovers under ε", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-drift-"));
  // Small and fast: a linear model, two folds, few epochs (seconds on two cores); certified at ε = 5%.
  const trained = trainClassifier({ examples: train.filter((e) => !heldOut.has(e.label)), dataFile: "banking77-58", hiddenUnits: 0, folds: 2, maxEpochs: 8, maxError: EPSILON });
  assert.equal(trained.threshold.certified, true);
  const modelFile = join(dir, "banking58.frugal");
  saveClassifierFile(modelFile, classifierToContents(trained.parts));
  const certified = trained.classifier.threshold;

  const llm = await startFakeOpenAiServer({ answer: (req) => gold.get(lastUserText(req).replace(/^Message: /, "")) ?? "unknown" });
  const config = validateConfig(
    gatewayConfigSchema,
    {
      server: { port: 0 },
      require_keys: false,
      tiers: {
        compact: { kind: "compact", model: modelFile },
        llm: { kind: "llm", model: "gpt-4o-mini", max_retries: 0, timeout_ms: 5000, max_tokens: 16, endpoint: { base_url: llm.url, model: "gpt-4o-mini" } },
      },
      tasks: [{ name: "banking77", kind: "classify", labels: resolve("examples/banking77/categories.json"), prompt: "Message: {{text}}", tiers: ["compact", "llm"], audit: { rate: 1, window: 500, min_samples: 50 } }],
    },
    "drift test config",
  );
  const gateway = await startGateway({ config, baseDir: dir, dataDir: dir, env: { FRUGAL_ADMIN_KEY: ADMIN_KEY } });
  t.after(async () => {
    await gateway.close();
    await llm.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const audits = gateway.context.audits;
  const ask = async (text: string): Promise<{ tier: string; answer: string }> => {
    const response = await fetch(`${gateway.url}/v1/tasks/banking77`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input: text }) });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { tier: string; answer: string };
    // One request at a time, its audit done before the next: nothing is dropped, the counts below are exact.
    await audits.idle();
    return body;
  };
  const guardOf = async () => {
    const status = await fetchStatus({ url: gateway.url, adminKey: ADMIN_KEY });
    return status.tasks[0]!.streams[0]!;
  };

  const inDistribution = testSet.filter((e) => !heldOut.has(e.label));
  const shiftedPool = testSet.filter((e) => heldOut.has(e.label));

  // Phase 1: in-distribution traffic. Every kept answer is audited; the guard stays clear.
  let kept1 = 0;
  for (const e of every(inDistribution, 16)) if ((await ask(e.text)).tier === "compact") kept1++;
  const phase1 = await guardOf();
  assert.equal(phase1.guard, "clear");
  assert.equal(phase1.audits, kept1, "one audit per kept answer");
  assert.ok(phase1.audits >= 100, `${phase1.audits} audits`);
  assert.ok(phase1.kept_error_lower <= EPSILON, JSON.stringify(phase1));
  assert.equal(audits.cacheScope("banking77"), undefined, "exact-cache keys are unchanged while the guard is clear");

  // Phase 2: two held-out texts for each in-distribution one, until the guard trips.
  const mixIn = every(inDistribution, 16, 7);
  const shifted = every(shiftedPool, 2).flatMap((e, i) => (i % 2 === 1 && mixIn[i >> 1] !== undefined ? [e, mixIn[i >> 1]!] : [e]));
  let sent2 = 0;
  for (const e of shifted) {
    await ask(e.text);
    sent2++;
    if ((await guardOf()).guard === "tripped") break;
  }
  const phase2 = await guardOf();
  assert.equal(phase2.guard, "tripped", `not tripped after ${sent2} shifted requests`);
  assert.ok(phase2.served_threshold === null || phase2.served_threshold > certified, JSON.stringify(phase2));
  assert.notEqual(audits.cacheScope("banking77"), undefined, "answers cached before the trip are not served while tripped");
  const events = (await ledgerRows(dir)).filter((r) => r.kind === "event");
  assert.equal(events.length, 1);
  assert.equal(events[0]!.errorCode, "drift_guard_tripped");
  assert.equal(events[0]!.target, "banking77");
  const body = JSON.parse(events[0]!.body ?? "{}") as { from_threshold: number; to_threshold: number | null; kept_error_lower: number };
  assert.equal(body.from_threshold, certified);
  assert.ok(body.kept_error_lower > EPSILON);
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
  assert.match(metrics, /frugal_drift_guard_tripped\{task="banking77",field=""\} 1/);
  assert.match(metrics, /frugal_audit_kept_error_upper\{task="banking77",field=""\} [0-9.]+/);
  assert.match(metrics, /frugal_audits_total\{task="banking77",outcome="disagree"\} [1-9]/);
  const shown = formatStatus(await fetchStatus({ url: gateway.url, adminKey: ADMIN_KEY }));
  assert.match(shown, /banking77/);
  assert.match(shown, /tripped/);

  // Phase 3: fresh shifted requests (texts phase 2 never sent). What the compact tier keeps now is measured against gold,
  // beside what the certified threshold alone would have kept.
  let kept = 0;
  let keptWrong = 0;
  let wouldKeep = 0;
  let wouldKeepWrong = 0;
  for (const e of [...every(shiftedPool, 2, 1), ...every(inDistribution, 16, 11)]) {
    const answer = await ask(e.text);
    if (answer.tier === "compact") {
      kept++;
      if (answer.answer !== e.label) keptWrong++;
    }
    const p = trained.classifier.predict(e.text);
    if (p.confidence >= certified) {
      wouldKeep++;
      if (p.label !== e.label) wouldKeepWrong++;
    }
  }
  t.diagnostic(`phase 3: kept ${kept}, ${keptWrong} wrong; the certified threshold alone: kept ${wouldKeep}, ${wouldKeepWrong} wrong`);
  assert.ok(wouldKeepWrong > EPSILON * wouldKeep, "the shift breaks the certificate (else this test proves nothing)");
  assert.ok(keptWrong <= EPSILON * kept, `kept error ${keptWrong}/${kept} above ε = ${EPSILON}`);
  const phase3 = await guardOf();
  assert.equal(phase3.guard, "tripped", "shifted traffic goes on: the guard does not clear");
});
