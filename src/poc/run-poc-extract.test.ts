/**
 * Extraction PoC end to end against the fake OpenAI-compatible server: per-field escalation (only unsure fields go to the
 * LLM, asked for alone under a JSON schema, with the extractor's lines instead of the document), answers merged per field,
 * input tokens saved reported.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastUserText, startFakeOpenAiServer, type FakeOpenAiServer, type FakeChatRequest } from "../../test/fixtures/fake-openai-server.ts";
import type { FieldPrediction } from "../compact/types.ts";
import { tableExtractor } from "../tiers/testing.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import { runPoc } from "./run-poc.ts";

const dir = mkdtempSync(join(tmpdir(), "frugal-poc-extract-"));
const fields = ["company", "date", "total"];
const docs = Array.from({ length: 12 }, (_, i) => {
  const company = `SHOP ${i} SDN BHD`;
  const date = `0${(i % 9) + 1}/01/2019`;
  const total = `${10 + i}.00`;
  const filler = Array.from({ length: 20 }, (_, k) => `ITEM ${k} x1 ${k}.00`).join("\n");
  return { id: `r${i}`, text: `${company}\nNO ${i} JALAN\nDATE ${date}\n${filler}\nTOTAL ${total}\nTHANK YOU`, fields: { company, date, total } };
});
writeFileSync(join(dir, "receipts.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n"));

// The extractor is sure of company and date; of total only on even receipts, where it is also right.
const table: Record<string, Record<string, FieldPrediction>> = {};
docs.forEach((d, i) => {
  table[d.text] = {
    company: { value: d.fields.company, confidence: 0.97, lines: [d.fields.company] },
    date: { value: d.fields.date, confidence: 0.99, lines: [`DATE ${d.fields.date}`] },
    total: { value: i % 2 === 0 ? d.fields.total : "0.00", confidence: i % 2 === 0 ? 0.95 : 0.3, lines: [`TOTAL ${d.fields.total}`] },
  };
});
const loader: CompactLoader = {
  load: ({ file }) => ({ model: tableExtractor(fields, table, { company: 0.9, date: 0.9, total: 0.9 }), id: file, file, trained: false, info: {} }),
  trainOrReuse: async () => {
    throw new Error("not used");
  },
};

writeFileSync(
  join(dir, "poc.yaml"),
  `
task:
  name: receipts
  kind: extract
  dataset: { path: receipts.jsonl, id: id }
  fields: [company, date, total]
tiers:
  extractor: { kind: compact, model: x.frugal }
  big-llm: { kind: llm, model: gpt-4o-mini, max_retries: 0, timeout_ms: 5000 }
pipelines:
  - name: dense
    tiers: [big-llm]
  - name: frugal
    tiers: [extractor, big-llm]
    escalation: { context: { top_lines: 1, window: 1 } }
load: { kind: constant, rate: 200 }
slo: { p95_ms: 2000 }
quality_target: 0.9
`,
);

let server: FakeOpenAiServer;
const seen: FakeChatRequest[] = [];
before(async () => {
  server = await startFakeOpenAiServer({
    answer: (request) => {
      // Extraction requests only (they carry a JSON schema): the preflight's one-token check has none.
      if (request.response_format !== undefined) seen.push(request);
      const prompt = lastUserText(request);
      const wanted = Object.keys((request.response_format?.json_schema?.schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      const doc = docs.find((d) => prompt.includes(`TOTAL ${d.fields.total}\n`) || prompt.includes(`TOTAL ${d.fields.total}`));
      const answer: Record<string, string | null> = {};
      for (const field of wanted) answer[field] = doc === undefined ? null : (doc.fields as Record<string, string>)[field] ?? null;
      return `Here you go: ${JSON.stringify(answer)}`;
    },
  });
});
after(async () => server.close());

test("per-field escalation: only unsure fields reach the LLM, with reduced context; fields merge; tokens saved reported", async () => {
  const { results } = await runPoc({
    configFile: join(dir, "poc.yaml"),
    outDir: join(dir, "out"),
    env: { FRUGAL_LLM_BASE_URL: server.url },
    compactLoader: loader,
    fresh: true,
  });
  const [dense, frugal] = results.pipelines;
  assert.equal(dense?.metrics.quality.value, 1);
  assert.equal(frugal?.metrics.quality.provenance, "measured");
  assert.equal(frugal?.metrics.quality.value, 1, "company and date from the extractor, total from the LLM where unsure");
  assert.equal(frugal?.metrics.escalation_rate, 0.5);
  const asked = (r: FakeChatRequest): string[] => Object.keys((r.response_format?.json_schema?.schema as { properties: Record<string, unknown> }).properties);
  assert.equal(seen.filter((r) => asked(r).length === 3).length, 12, "dense: every receipt, every field");
  const frugalCalls = seen.filter((r) => asked(r).length < 3);
  assert.equal(frugalCalls.length, 6, "frugal: one LLM call per receipt with an unsure field");
  for (const call of frugalCalls) {
    assert.deepEqual(asked(call), ["total"]);
    const prompt = lastUserText(call);
    assert.ok(prompt.includes("TOTAL") && prompt.includes("THANK YOU") && !prompt.includes("ITEM 5") && !prompt.includes("JALAN"), "the ranked line ± 1, not the receipt");
  }
  const reduction = frugal?.metrics.prompt_reduction as { saved_share: number };
  assert.ok(reduction.saved_share > 0.5, `saved ${reduction.saved_share}`);
  const extraction = results.extraction;
  assert.deepEqual(extraction?.fields, fields);
  assert.equal(extraction?.pipelines[1]?.field_accuracy.total?.value, 1);
  assert.ok((extraction?.pipelines[1]?.input_tokens_saved_share?.value ?? 0) > 0.5);
});
