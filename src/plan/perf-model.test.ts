import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../core/errors.ts";
import { DEFAULT_CALIBRATION } from "./calibration.ts";
import { createCatalog } from "./catalog.ts";
import { resolveDeployment } from "./deployment.ts";
import { decodeStep, kvLimitedBatch, prefillStep } from "./perf-model.ts";

const catalog = createCatalog();
const deploy = (gpu: string, model: string, precision: string, extra: { tp?: number; maxTp?: number } = {}) =>
  resolveDeployment({ catalog, gpu, model, precision, calibration: DEFAULT_CALIBRATION, ...extra });

test("decode step time grows sub-linearly with batch while memory-bound, then linearly once compute-bound", () => {
  const d = deploy("h100-sxm", "llama-3.1-8b", "bf16");
  const at = (batch: number) => decodeStep(d, { batch, context: 512 }).ms;
  // Doubling a small batch barely moves the step (weights dominate the bytes read).
  assert.ok(at(2) / at(1) < 1.1, `small batch ratio ${at(2) / at(1)}`);
  // Doubling a huge batch nearly doubles it (matmuls dominate).
  assert.ok(at(8192) / at(4096) > 1.8, `large batch ratio ${at(8192) / at(4096)}`);
  assert.equal(decodeStep(d, { batch: 1, context: 512 }).bound, "memory");
  assert.equal(decodeStep(d, { batch: 4096, context: 512 }).bound, "compute");
  // Throughput keeps rising with batch, per-token time keeps falling.
  assert.ok(8192 / at(8192) > 1 / at(1));
});

test("fp8 decodes faster than bf16, int4 faster than fp8 at batch 1 (fewer bytes per step)", () => {
  const step = (precision: string) => decodeStep(deploy("h100-sxm", "llama-3.1-8b", precision), { batch: 1, context: 1024 }).ms;
  assert.ok(step("fp8") < step("bf16") * 0.75);
  assert.ok(step("int4") < step("fp8"));
});

test("70B does not fit on one L4: the planner picks tensor parallelism, and fails with suggestions when capped", () => {
  const bf16 = deploy("l4", "llama-3.1-70b", "bf16");
  assert.equal(bf16.tp, 8);
  const fp8 = deploy("l4", "llama-3.1-70b", "fp8");
  assert.equal(fp8.tp, 4);
  assert.equal(deploy("h100-sxm", "llama-3.1-8b", "bf16").tp, 1);
  assert.throws(
    () => deploy("l4", "llama-3.1-70b", "bf16", { maxTp: 4 }),
    (e: unknown) =>
      e instanceof FrugalError &&
      e.code === "plan_infeasible" &&
      e.message.includes("does not fit on 4 x l4") &&
      e.message.includes("allow 8 l4 per replica") &&
      e.message.includes("precision fp8") &&
      e.message.includes("llama-3.1-8b"),
  );
});

test("tensor parallelism adds all-reduce time and spreads the bytes", () => {
  const one = decodeStep(deploy("h100-sxm", "llama-3.1-8b", "bf16", { tp: 1 }), { batch: 8, context: 512 });
  const two = decodeStep(deploy("h100-sxm", "llama-3.1-8b", "bf16", { tp: 2 }), { batch: 8, context: 512 });
  assert.equal(one.commMs, 0);
  assert.ok(two.commMs > 0);
  assert.ok(two.bytesRead < one.bytesRead * 0.51);
});

test("the KV cache limits the batch: longer contexts leave room for fewer sequences", () => {
  const d = deploy("h100-sxm", "llama-3.1-8b", "bf16");
  const short = kvLimitedBatch(d, 1024);
  const long = kvLimitedBatch(d, 8192);
  assert.ok(short > long && long >= 1);
  assert.equal(kvLimitedBatch(d, 1024), Math.floor(d.kvCapacityTokens / 1024));
  // A bigger memory holds more sequences of the same model.
  assert.ok(kvLimitedBatch(deploy("h200", "llama-3.1-8b", "bf16"), 8192) > long);
});

test("MoE decode reads fewer expert bytes at batch 1 than at batch 64", () => {
  const d = deploy("h100-sxm", "mixtral-8x7b", "fp8");
  const one = decodeStep(d, { batch: 1, context: 256 });
  const many = decodeStep(d, { batch: 64, context: 256 });
  const kv = (batch: number) => (batch * 256 + batch) * d.kvBytesPerToken / d.tp;
  assert.ok(many.bytesRead - kv(64) > (one.bytesRead - kv(1)) * 2);
});

test("power stays between idle and TDP; J/token falls as the batch grows; prefill of a long prompt is compute-bound", () => {
  const d = deploy("h100-sxm", "llama-3.1-8b", "fp8");
  for (const batch of [1, 16, 256, 4096]) {
    const s = decodeStep(d, { batch, context: 512 });
    assert.ok(s.powerW >= d.hardware.idleW && s.powerW <= d.hardware.tdpW, `power ${s.powerW} at ${batch}`);
  }
  const jPerToken = (batch: number) => decodeStep(d, { batch, context: 512 }).energyJ / batch;
  assert.ok(jPerToken(64) < jPerToken(1) / 10);
  assert.equal(prefillStep(d, { batch: 1, promptTokens: 4096 }).bound, "compute");
});
