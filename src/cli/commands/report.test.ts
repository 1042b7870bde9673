import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURE = join(ROOT, "test/fixtures/poc-results/classify-banking77.json");

function frugal(args: string[]) {
  return spawnSync(process.execPath, [join(ROOT, "bin/frugal.js"), ...args], { encoding: "utf8", env: { ...process.env, FRUGAL_NO_PROGRESS: "1" } });
}

describe("frugal report", () => {
  it("writes the report and prints one JSON object with --json", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-report-cli-"));
    try {
      const run = frugal(["report", FIXTURE, "--out", join(dir, "r"), "--json"]);
      assert.equal(run.status, 0, run.stderr);
      const written = JSON.parse(run.stdout) as Record<string, string>;
      assert.deepEqual(Object.keys(written).sort(), ["indexHtml", "resultsJson", "summaryMd"]);
      for (const path of Object.values(written)) assert.ok(existsSync(path), path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with one line and exit code 2 on a file that is not results", () => {
    const dir = mkdtempSync(join(tmpdir(), "frugal-report-cli-"));
    try {
      const bad = join(dir, "bad.json");
      writeFileSync(bad, JSON.stringify({ schema: "frugal.poc/v1", task: { name: "x", kind: "classify", n_items: 1 } }));
      const run = frugal(["report", bad, "--out", join(dir, "r")]);
      assert.equal(run.status, 2);
      assert.match(run.stderr, /^error: .*bad\.json: not a frugal results file: pipelines/);
      assert.equal(run.stderr.trim().split("\n").length, 1);
      assert.ok(!existsSync(join(dir, "r")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
