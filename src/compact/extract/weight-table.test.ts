import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { createRng } from "../random.ts";
import { WeightTable } from "./weight-table.ts";

describe("WeightTable", () => {
  const dimension = 1 << 12;
  const random = createRng(7);
  const dense = new Float32Array(dimension);
  for (let i = 0; i < 900; i++) dense[Math.floor(random() * dimension)] = random() - 0.5;
  const table = WeightTable.fromDense(dense);

  it("reads exactly the dense weights, zeros included, from any 32-bit hash", () => {
    for (let index = 0; index < dimension; index++) {
      const hash = ((Math.floor(random() * 2 ** 20) << 12) | index) >>> 0;
      assert.equal(table.get(hash), dense[index]);
    }
  });

  it("round-trips through its entries", () => {
    const { indices, values } = table.entries();
    assert.equal(indices.length, table.size);
    assert.ok(indices.every((v, i) => i === 0 || v > (indices[i - 1] as number)));
    const copy = WeightTable.fromEntries(indices, values, dimension);
    for (let index = 0; index < dimension; index++) assert.equal(copy.get(index), dense[index]);
  });
});
