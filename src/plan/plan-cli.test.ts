import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function frugal(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["bin/frugal.js", ...args], { env: { ...process.env, FRUGAL_NO_PROGRESS: "1" } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

test("plan decode --json: one JSON object with the documented keys", async () => {
  const r = await frugal(["plan", "decode", "--gpu", "h100-sxm", "--model", "llama-3.1-8b", "--precision", "fp8", "--batch", "32", "--context", "2048", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ["step_ms", "tokens_per_s", "j_per_token", "fits", "tp", "gpus", "bound", "power_w_per_gpu", "provenance"]) assert.ok(key in out, key);
  assert.equal(out.fits, true);
  assert.equal(out.provenance, "modeled");
  assert.ok(Math.abs((out.tokens_per_s as number) - (32 * 1000) / (out.step_ms as number)) < 1e-6);
});

test("plan prefill --json, and a batch whose KV cache does not fit reports fits:false with the largest batch that would", async () => {
  const p = await frugal(["plan", "prefill", "--gpu", "h200", "--model", "llama-3.1-70b", "--precision", "bf16", "--batch", "1", "--prompt", "2048", "--json"]);
  assert.equal(p.code, 0, p.stderr);
  const prefill = JSON.parse(p.stdout) as Record<string, unknown>;
  for (const key of ["ms", "tokens_per_s", "j_per_token", "fits", "tp"]) assert.ok(key in prefill, key);
  const d = await frugal(["plan", "decode", "--gpu", "l4", "--model", "llama-3.1-8b", "--precision", "fp8", "--batch", "256", "--context", "32000", "--tp", "1", "--json"]);
  assert.equal(d.code, 4, d.stderr);
  const decode = JSON.parse(d.stdout) as Record<string, unknown>;
  assert.equal(decode.fits, false);
  assert.match(String(decode.reason), /KV cache needs [\d.]+ GB \(8192000 tokens\), [\d.]+ GB available on 1 x l4/);
  assert.ok(typeof decode.max_batch_at_context === "number" && decode.max_batch_at_context > 0);
  assert.equal(decode.step_ms, undefined, "no step time for a batch that cannot run");
});

test("plan decode whose KV cache cannot fit: fits: false and why, no step time, exit 4 (plan_infeasible)", async () => {
  const r = await frugal(["plan", "decode", "--batch", "4000", "--context", "128000", "--gpu", "l4", "--model", "llama-3.1-8b", "--precision", "bf16"]);
  assert.equal(r.code, 4, r.stdout);
  assert.equal(r.stdout, "", "no step time printed");
  assert.match(r.stderr, /^error: fits: false: KV cache needs ([\d.]+) GB \(512000000 tokens\), ([\d.]+) GB available on 1 x l4 after [\d.]+ GB of weights/);
  assert.match(r.stderr, /not even one sequence of 128000 tokens fits/);
  const prefill = await frugal(["plan", "prefill", "--batch", "4000", "--prompt", "128000", "--gpu", "l4", "--model", "llama-3.1-8b", "--precision", "bf16"]);
  assert.equal(prefill.code, 4);
  assert.match(prefill.stderr, /fits: false: KV cache needs/);
});

test("bad input: unknown ids list the valid ones (exit 2), impossible configurations say what would fit (exit 4)", async () => {
  const gpu = await frugal(["plan", "decode", "--gpu", "h100", "--model", "llama-3.1-8b", "--precision", "fp8", "--batch", "1", "--context", "10", "--json"]);
  assert.equal(gpu.code, 2);
  assert.equal(gpu.stdout, "");
  assert.match(gpu.stderr, /unknown GPU "h100": valid ids are h100-sxm, h200, a100-80gb, l40s, l4, cpu/);
  const model = await frugal(["plan", "prefill", "--gpu", "l4", "--model", "llama-4", "--precision", "fp8", "--batch", "1", "--prompt", "10"]);
  assert.equal(model.code, 2);
  assert.match(model.stderr, /unknown model "llama-4".*llama-3.1-70b/);
  const batch = await frugal(["plan", "decode", "--gpu", "l4", "--model", "llama-3.1-8b", "--precision", "fp8", "--batch", "0", "--context", "10"]);
  assert.equal(batch.code, 2);
  assert.match(batch.stderr, /--batch/);
  const tooBig = await frugal(["plan", "decode", "--gpu", "l4", "--model", "llama-3.1-70b", "--precision", "bf16", "--batch", "1", "--context", "10", "--tp", "2"]);
  assert.equal(tooBig.code, 4);
  assert.doesNotMatch(tooBig.stderr, /at .*\.ts:\d+/); // no stack trace
});

test("plan <file> --json prints one JSON object; a zero rate is a config error naming the key path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-plan-cli-"));
  const good = join(dir, "plan.yaml");
  writeFileSync(
    good,
    "hardware: [h100-sxm]\nslo: { p95Ms: 2000 }\nsimulation: { requests: 200 }\nworkloads:\n  - name: w\n    model: llama-3.2-1b\n    load: { kind: rate, requestsPerSecond: 5 }\n    inputTokens: 200\n    outputTokens: 20\n",
  );
  const r = await frugal(["plan", good, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { schema: string; rows: Array<Record<string, unknown>> };
  assert.equal(report.schema, "frugal.plan/v1");
  assert.equal(report.rows.length, 1);
  const table = await frugal(["plan", good]);
  assert.match(table.stdout, /P95 ms/);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "slo: { p95Ms: 2000 }\nworkloads:\n  - name: w\n    model: llama-3.2-1b\n    load: { kind: rate, requestsPerSecond: 0 }\n    inputTokens: 200\n    outputTokens: 20\n");
  const e = await frugal(["plan", bad]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /workloads\[0\]\.load\.requestsPerSecond/);
});
