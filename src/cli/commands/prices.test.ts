import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function frugal(args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin/frugal.js"), "prices", ...args], { encoding: "utf8" });
}

describe("frugal prices", () => {
  it("lists the catalog as one JSON object, every row dated and sourced", () => {
    const run = frugal(["--json"]);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { catalogVersion: string; rows: Array<{ id: string; source: string; asOf: string }> };
    assert.match(out.catalogVersion, /^\d{4}-\d{2}/);
    assert.ok(out.rows.some((r) => r.id === "openai/gpt-4o"));
    for (const r of out.rows) assert.ok(r.source.startsWith("https://") && r.asOf.length >= 7, r.id);
  });

  it("prices N tokens of one model, with a config override applied", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-prices-cli-"));
    const config = join(dir, "prices.yaml");
    writeFileSync(config, "overrides:\n  - model: gpt-4o\n    input_usd_per_1m: 1\n    output_usd_per_1m: 2\n    source: contract\n    date: 2026-01\n");
    const run = frugal(["--model", "gpt-4o-2024-08-06", "--input-tokens", "1000", "--output-tokens", "500", "--config", config, "--json"]);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { cost: { usd: number; provenance: string } };
    assert.ok(Math.abs(out.cost.usd - 0.002) < 1e-12, String(out.cost.usd));
    assert.equal(out.cost.provenance, "modeled");
  });

  it("an unknown model exits 2 with close matches, without a stack trace", () => {
    const run = frugal(["--model", "gtp-4o-mini"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /close matches: .*gpt-4o-mini/);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  });
});
