/**
 * Distilling an extract task end to end: a test gateway serves SROIE receipts (its table extractor knows none of them, so
 * each field escalates to a stand-in LLM that answers the gold fields — except a wrong total on some receipts, corrected by
 * gold feedback), and one receipt the compact tier partly keeps. distillExtractTask then trains, certifies and registers a
 * candidate extractor with per-field figures; gold wins over the LLM, the compact tier's fields are never learned, and
 * promotion refuses the extractor version in one line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastUserText } from "../../test/fixtures/fake-openai-server.ts";
import { readLabeledDocuments } from "../data/labeled-documents.ts";
import { RECEIPT_TEXT, startTestGateway, testCompactLoader } from "../gateway/testing/test-gateway.ts";
import { openSqliteGovernance } from "../ledger/index.ts";
import { distillExtractTask } from "./distill-extract.ts";
import { extractDatasetFromLedger, mergeDocuments } from "./extract-dataset.ts";
import { readLedgerRows } from "./ledger-dataset.ts";
import { promoteVersion } from "./promotion.ts";
import { openRegistry } from "./registry.ts";

const SROIE = fileURLToPath(new URL("../../examples/sroie/train-split.jsonl", import.meta.url));
const FIELDS = ["company", "date", "total"];
const WRONG_TOTAL = "0.01";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const frugal = (cwd: string, args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin/frugal.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
const YAML = `require_keys: false
tiers:
  extractor: { kind: compact, train: { data: seed.jsonl, cache_dir: models } }
  llm: { kind: llm, model: gpt-4o-mini, endpoint: { base_url: "http://127.0.0.1:9/v1" } }
tasks:
  - { name: receipts, kind: extract, fields: [company, date, total], tiers: [extractor, llm], store_bodies: true }
`;

test("distill an extract task: LLM fields + gold feedback → a certified candidate extractor, per-field figures by label source", async () => {
  const docs = readLabeledDocuments(SROIE).documents.slice(0, 90);
  // Every fourth receipt: the LLM gets the total wrong, and feedback sends the right fields.
  const corrected = (i: number) => i % 4 === 0;
  const gateway = await startTestGateway({
    upstreamA: {
      answer: (req) => {
        // Answers the fields asked for (per-field escalation asks for some), as the output contract wants.
        const prompt = lastUserText(req);
        const asked = (/Extract these fields from the document: (.*)\./.exec(prompt)?.[1] ?? "").split(/,\s*/);
        const i = docs.findIndex((d) => prompt.includes(d.text));
        const d = docs[i];
        const all = d === undefined ? { company: "ACME SHOP SDN BHD", date: "12/03/2019", total: "10.00" } : { ...d.fields, total: corrected(i) ? WRONG_TOTAL : d.fields.total };
        return JSON.stringify(Object.fromEntries(asked.map((f) => [f, all[f as keyof typeof all] ?? null])));
      },
    },
    config: { tasks: [{ name: "receipts", kind: "extract", fields: FIELDS, tiers: ["extractor", "llm-extract"], store_bodies: true, escalation: { on_exhausted: "best_effort" } }] },
  });
  const stores = openSqliteGovernance({ dataDir: gateway.dataDir });
  const dir = mkdtempSync(join(tmpdir(), "frugal-distill-extract-"));
  try {
    const key = await gateway.createKey();
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${gateway.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    for (const [i, doc] of docs.entries()) {
      const r = await post("/v1/tasks/receipts", { input: doc.text });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      if (corrected(i)) assert.equal((await post("/v1/feedback", { request_id: r.body.request_id, answer: Object.fromEntries(FIELDS.map((f) => [f, doc.fields[f]])) })).status, 200);
    }
    // The table extractor keeps date and total of this one; only its company went to the LLM.
    assert.equal((await post("/v1/tasks/receipts", { input: RECEIPT_TEXT })).status, 200);

    const dataset = await extractDatasetFromLedger(stores.ledger, { task: "receipts" });
    assert.equal(dataset.distilled.length, docs.length + 1);
    assert.equal(dataset.partlyKept, 1);
    assert.deepEqual(dataset.distilled.find((r) => r.text === RECEIPT_TEXT)?.fields, { company: "ACME SHOP SDN BHD" }, "the compact tier's fields are not learned");
    assert.equal(dataset.gold.length, docs.filter((_, i) => corrected(i)).length);
    const merged = mergeDocuments([[], dataset.distilled, dataset.gold], FIELDS);
    const first = merged.find((d) => d.text === docs[0]!.text)!;
    assert.deepEqual(first.fields.total, { value: docs[0]!.fields.total, source: "gold" }, "gold wins over the LLM's total");
    assert.equal(merged.find((d) => d.text === docs[1]!.text)?.fields.total?.source, "llm");

    const registry = openRegistry(gateway.dataDir);
    const config = gateway.gateway.context.config;
    const { version, report } = await distillExtractTask({
      config,
      baseDir: gateway.dataDir,
      task: "receipts",
      ledger: stores.ledger,
      registry,
      compactLoader: testCompactLoader,
      where: "the test ledger",
      epsilon: 0.25,
      heldOutShare: 0.25,
      trainOptions: { folds: 3, epochs: 4 },
    });
    assert.equal(version.version, "v1");
    assert.equal(version.modelKind, "extractor");
    assert.deepEqual(report.fields, FIELDS);
    assert.equal(report.sizes.trainDocuments + report.sizes.heldOutDocuments, docs.length + 1);
    assert.ok(report.sizes.heldOutDocuments > 0 && report.sizes.trainLabels.gold > 0, JSON.stringify(report.sizes));
    assert.equal(report.sizes.trainLabels.gold + report.sizes.heldOutLabels.gold, dataset.gold.length * FIELDS.length);
    for (const field of FIELDS) {
      assert.ok(report.candidate.certificates[field] !== undefined, field);
      const llm = report.candidate.heldOut[field]!.llm;
      assert.ok(llm.n > 0 && llm.accuracy !== null && llm.accuracyCi95 !== null, `${field}: ${JSON.stringify(llm)}`);
    }
    // Certified as `frugal train extract` certifies, on its calibration split (seeded: the same field every run).
    assert.equal(report.candidate.certificates.date?.certified, true, JSON.stringify(report.candidate.certificates));
    assert.equal(version.certificate.certified, true);
    // The served table extractor knows none of these receipts: the candidate must beat it on held-out rows.
    const correct = (side: "candidate" | "current") =>
      FIELDS.reduce((s, f) => s + (["llm", "gold"] as const).reduce((t, src) => t + ((report[side]!.heldOut[f]![src].accuracy ?? 0) * report[side]!.heldOut[f]![src].n), 0), 0);
    assert.ok(correct("candidate") > correct("current"), `candidate ${correct("candidate")} vs current ${correct("current")}`);

    const events = await readLedgerRows(stores.ledger, undefined, (r) => r.kind === "event" && r.body?.includes('"event":"model_registered"') === true);
    assert.equal(events.length, 1);
    await assert.rejects(promoteVersion({ registry, ledger: stores.ledger, task: "receipts", by: "cli" }), /v1 is an extractor, which promotion cannot serve yet/);
    assert.equal(registry.read("receipts").current, null);

    // The CLI on a copy of that data dir, with the tier trained from a seed (train.data): the same dispatch, one-line refusal.
    cpSync(gateway.dataDir, join(dir, "data"), { recursive: true });
  } finally {
    await stores.close();
    await gateway.close();
  }
  try {
    const seed = readLabeledDocuments(SROIE).documents.slice(90, 120);
    writeFileSync(join(dir, "seed.jsonl"), seed.map((d) => JSON.stringify({ text: d.text, fields: d.fields })).join("\n") + "\n");
    writeFileSync(join(dir, "frugal.yaml"), YAML);
    const distilled = frugal(dir, ["distill", "--task", "receipts", "--data-dir", "data", "--epsilon", "0.25", "--json", "--out", "cand.frugal"]);
    assert.equal(distilled.status, 0, distilled.stderr);
    const parsed = JSON.parse(distilled.stdout) as { version: string; report: { kind: string; sizes: { input: { seed: number; gold: number } } } };
    assert.equal(parsed.version, "v2");
    assert.deepEqual([parsed.report.kind, parsed.report.sizes.input.seed], ["extract", seed.length]);
    assert.equal(frugal(dir, ["eval", "--model", "cand.frugal", "--data", "seed.jsonl"]).status, 0, "--out wrote a usable extractor file");
    const refused = frugal(dir, ["promote", "--task", "receipts", "--data-dir", "data"]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^error: task receipts: v2 is an extractor, which promotion cannot serve yet: point the compact tier's `model` at its file \(registry\/receipts\/v2\.frugal in the data dir\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
