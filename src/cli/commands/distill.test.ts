/**
 * `frugal distill`, `frugal models list|rollback` and `frugal promote` as a user runs them, on a ledger a test gateway
 * filled (LLM answers with stored bodies, gold feedback) and a frugal.yaml whose compact tier trains from a small seed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLabeledGateway } from "../../improve/testing.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const frugal = (cwd: string, args: string[]) => spawnSync(process.execPath, [join(ROOT, "bin/frugal.js"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
const yaml = (storeBodies: boolean) => `require_keys: false
tiers:
  cache: { kind: cache }
  compact: { kind: compact, train: { data: seed.csv, text: text, label: category, cache_dir: models } }
  llm: { kind: llm, model: gpt-4o-mini, endpoint: { base_url: "http://127.0.0.1:9/v1" } }
tasks:
  - { name: intents, kind: classify, labels: [card_arrival, pin_blocked, exchange_rate], tiers: [cache, compact, llm], store_bodies: ${storeBodies} }
`;

test("frugal distill registers a candidate and prints its report; models list, promote and rollback; one-line errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-distill-cli-"));
  try {
    const gw = await startLabeledGateway();
    try {
      for (const [i, row] of gw.rows.entries()) {
        if (i % 2 === 1) continue;
        const r = await gw.ask(row.text);
        if (i % 10 === 0) await gw.post("/v1/feedback", { request_id: r.body.request_id, answer: row.label });
      }
      const seed = gw.rows.filter((_, i) => i % 2 === 1 && i % 7 === 0).map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`);
      writeFileSync(join(dir, "seed.csv"), ["text,category", ...seed, ""].join("\n"));
      cpSync(gw.dataDir, join(dir, "data"), { recursive: true });
    } finally {
      await gw.close();
    }
    writeFileSync(join(dir, "frugal.yaml"), yaml(true));
    writeFileSync(join(dir, "off.yaml"), yaml(false));

    const distilled = frugal(dir, ["distill", "--task", "intents", "--data-dir", "data", "--epsilon", "0.1"]);
    assert.equal(distilled.status, 0, distilled.stderr);
    assert.match(distilled.stdout, /candidate v1 registered \(compared with config\)/);
    assert.match(distilled.stdout, /^ {2}llm {2}n=\d+ {2}candidate: agreement/m);
    assert.match(distilled.stdout, /^ {2}gold n=\d+ {2}candidate: accuracy/m);
    assert.match(distilled.stdout, /certificate at ε=0\.1/);

    const json = frugal(dir, ["distill", "--task", "intents", "--data-dir", "data", "--epsilon", "0.1", "--json", "--out", "cand.frugal"]);
    assert.equal(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { version: string; report: { sizes: { input: { llm: number; gold: number } } } };
    assert.equal(parsed.version, "v2");
    assert.ok(parsed.report.sizes.input.llm > 100 && parsed.report.sizes.input.gold > 10, JSON.stringify(parsed.report.sizes));
    assert.equal(frugal(dir, ["eval", "--model", "cand.frugal", "--data", "seed.csv", "--label-col", "category"]).status, 0, "--out wrote a usable model file");

    const listed = frugal(dir, ["models", "list", "--task", "intents", "--data-dir", "data"]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /task intents: serving config/);
    assert.match(listed.stdout, /^v1\s+retired/m);
    assert.match(listed.stdout, /^v2\s+candidate\s/m);
    assert.match(frugal(dir, ["promote", "--task", "intents", "--data-dir", "data"]).stdout, /now serving v2 \(was config\)/);
    assert.match(frugal(dir, ["models", "list", "--task", "intents", "--data-dir", "data"]).stdout, /^v2\s+current\s/m);
    assert.match(frugal(dir, ["models", "rollback", "--task", "intents", "--data-dir", "data"]).stdout, /now serving config \(v2 retired\)/);

    const failures: Array<[string[], RegExp]> = [
      [["distill", "--task", "nope", "--data-dir", "data"], /^error: no task named "nope" in frugal\.yaml \(tasks: intents\)\n$/],
      [["distill", "--task", "intents", "--data-dir", "data", "--config", "off.yaml", "--since", "2999-01-01"], /^error: task intents does not store bodies: set `store_bodies: true`/],
      [["distill", "--task", "intents", "--data-dir", "data", "--since", "2999-01-01"], /^error: no ledger row of task intents holds a body in the ledger of .* since 2999-01-01/],
      [["promote", "--task", "intents", "--data-dir", "data", "--version", "v9"], /^error: task intents has no model version v9 \(versions: v1, v2\)\n$/],
      [["models", "rollback", "--task", "intents", "--data-dir", "data"], /^error: task intents already serves the model frugal\.yaml names/],
    ];
    for (const [args, message] of failures) {
      const r = frugal(dir, args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
