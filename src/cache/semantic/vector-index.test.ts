import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../core/random.ts";
import { createVectorIndex } from "./vector-index.ts";

function unit(rng: () => number, d: number): Float32Array {
  const v = Float32Array.from({ length: d }, () => rng() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test("int8 exact search: the same neighbours and cosines as float search, in WebAssembly and JavaScript, through growth and removal", () => {
  const rng = createRng(7);
  const d = 64;
  const vectors = Array.from({ length: 300 }, () => unit(rng, d));
  const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
  for (const backend of ["auto", "js"] as const) {
    const index = createVectorIndex({ dimension: d, initialCapacity: 16, backend });
    const slots = vectors.map((v) => index.add(v));
    index.remove(slots[3] as number);
    assert.equal(index.size, 299);
    for (let q = 0; q < 20; q++) {
      const query = q === 0 ? (vectors[5] as Float32Array) : unit(rng, d);
      const found = index.search(query, 3);
      const exact = vectors.map((v, i) => ({ i, c: i === 3 ? -Infinity : cosine(query, v) })).sort((a, b) => b.c - a.c);
      assert.equal(found.slots[0], slots[exact[0]?.i as number], `${backend}: nearest`);
      assert.ok(Math.abs((found.scores[0] as number) - (exact[0]?.c as number)) < 0.02, `${backend}: cosine within int8 rounding`);
      assert.ok((found.scores[0] as number) >= (found.scores[1] as number) && (found.scores[1] as number) >= (found.scores[2] as number));
    }
    // A removed slot is reused and never returned stale.
    const again = index.add(vectors[3] as Float32Array);
    assert.equal(again, slots[3]);
    assert.equal(index.search(vectors[3] as Float32Array, 1).slots[0], again);
  }
});

test("an empty index finds nothing", () => {
  const index = createVectorIndex({ dimension: 8 });
  assert.equal(index.search(new Float32Array(8).fill(0.35), 5).count, 0);
});
