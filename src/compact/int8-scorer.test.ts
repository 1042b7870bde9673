import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "./random.ts";
import { createInt8Scorer } from "./int8-scorer.ts";
import { kernelModule } from "./wasm-module.ts";

function randomModel(rows: number, k: number, seed: number) {
  const rng = createRng(seed);
  return {
    numFeatures: rows,
    numClasses: k,
    weights: Int8Array.from({ length: rows * k }, () => Math.round(rng() * 254 - 127)),
    scales: Float32Array.from({ length: k }, () => rng() * 0.05),
    bias: Float32Array.from({ length: k }, () => rng() - 0.5),
  };
}

test("the hand-assembled WebAssembly module validates and this runtime uses it", () => {
  const api = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
  assert.equal(api.validate(kernelModule()), true);
  assert.equal(createInt8Scorer(randomModel(4, 3, 1)).backend, "wasm-simd");
});

test("WebAssembly SIMD and the JavaScript fallback give bit-identical logits, close to a float64 reference", () => {
  // Class counts around the kernel's 16-wide step; input sizes from empty to past the initial buffer (memory growth).
  for (const [k, seed] of [[2, 1], [5, 2], [16, 3], [17, 4], [77, 5]] as const) {
    const model = randomModel(500, k, seed);
    const wasm = createInt8Scorer(model);
    const js = createInt8Scorer(model, { backend: "js" });
    const rng = createRng(seed + 100);
    for (const nnz of [0, 1, 7, 300, 3000]) {
      const indices = Int32Array.from({ length: nnz }, () => Math.floor(rng() * 500));
      const values = Float32Array.from({ length: nnz }, () => rng() * 0.2 - 0.1);
      const a = wasm.logits(indices, values, nnz, new Float64Array(k));
      const b = js.logits(indices, values, nnz, new Float64Array(k));
      assert.deepEqual(a, b, `k=${k} nnz=${nnz}`);
      for (let c = 0; c < k; c++) {
        let exact = 0;
        for (let p = 0; p < nnz; p++) exact += (values[p] as number) * (model.weights[(indices[p] as number) * k + c] as number);
        const reference = (model.bias[c] as number) + (model.scales[c] as number) * exact;
        assert.ok(Math.abs((a[c] as number) - reference) <= 1e-5 * (1 + Math.abs(reference)), `k=${k} nnz=${nnz} c=${c}`);
      }
    }
  }
});
