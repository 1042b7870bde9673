import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrugalError } from "../core/errors.ts";
import { parseResults, readResultsFile } from "./read-results.ts";

const FIXTURES = new URL("../../test/fixtures/poc-results/", import.meta.url);

function rejects(fn: () => unknown, pattern: RegExp, code = "input_invalid"): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FrugalError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("reading results files", () => {
  it("accepts every fixture", () => {
    for (const name of ["classify-banking77.json", "extract-mixed-provenance.json", "classify-banking77-large.json", "demo-banking77-modeled.json", "demo-banking77-current.json"]) {
      const results = readResultsFile(new URL(name, FIXTURES).pathname);
      assert.equal(results.schema, "frugal.poc/v1");
      assert.ok(results.pipelines.length >= 2);
    }
  });

  it("names the schema a newer frugal wrote", () => {
    rejects(() => parseResults({ schema: "frugal.poc/v2" }, "r.json"), /r\.json: schema is "frugal\.poc\/v2"/);
  });

  it("names the key path of a bad figure", () => {
    const results = readResultsFile(new URL("classify-banking77.json", FIXTURES).pathname) as unknown as {
      pipelines: Array<{ metrics: { quality: { provenance: string } } }>;
    };
    const first = results.pipelines[0];
    assert.ok(first !== undefined);
    first.metrics.quality.provenance = "guessed";
    rejects(() => parseResults(results, "r.json"), /pipelines\[0\]\.metrics\.quality\.provenance/);
  });

  it("names the key path of an interval upside down", () => {
    const results = readResultsFile(new URL("demo-banking77-current.json", FIXTURES).pathname);
    const frugal = results.pipelines[1];
    assert.ok(frugal !== undefined);
    frugal.metrics.cost_per_request_usd.ci95 = [0.2, 0.1];
    rejects(() => parseResults(results, "r.json"), /pipelines\[1\]\.metrics\.cost_per_request_usd\.ci95/);
  });

  it("rejects a share outside [0, 1] and a missing contract key", () => {
    const base = readResultsFile(new URL("classify-banking77.json", FIXTURES).pathname);
    rejects(() => parseResults({ ...base, sweep: [{ threshold: 0.5, coverage: 1.5, quality: 0.9, cost_per_request_usd: 0 }] }), /sweep\[0\]\.coverage/);
    const { recommendation: _dropped, ...withoutRecommendation } = base;
    rejects(() => parseResults(withoutRecommendation), /recommendation/);
  });

  it("reports invalid JSON and a missing file as such", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-results-"));
    try {
      const bad = join(dir, "bad.json");
      writeFileSync(bad, "{ not json");
      rejects(() => readResultsFile(bad), /bad\.json: not valid JSON/);
      rejects(() => readResultsFile(join(dir, "missing.json")), /not found/, "file_not_found");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
