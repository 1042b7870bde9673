import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrugalError } from "../core/errors.ts";
import { createFeaturizer } from "./featurizer.ts";
import { fitFeatureSpace } from "./feature-space.ts";
import { hashString } from "./hashing.ts";

const corpus = ["where is my card?", "My card has not arrived", "top up failed twice", "exchange rate for EUR 2024-01-05", "café crème 🍰 déjà vu"];

test("hashing is deterministic and pinned: the same text gives the same buckets on every run and machine", () => {
  // Pinned values guard against an accidental change of the hash, which would silently break every saved model.
  assert.equal(hashString("card", 0), hashString("card", 0));
  assert.notEqual(hashString("card", 0), hashString("card", 1));
  assert.equal(hashString("card", 0), 4217670668);
  assert.equal(hashString("é", 0), hashString("\u00e9", 0));
  const a = createFeaturizer();
  const b = createFeaturizer();
  for (const text of corpus) {
    const ha = a.hash(text);
    const first = Array.from(ha.buckets.subarray(0, ha.count));
    const hb = b.hash(text);
    assert.deepEqual(Array.from(hb.buckets.subarray(0, hb.count)), first);
  }
});

test("buckets stay inside the hashing range for any text", () => {
  for (const hashBits of [10, 16, 20]) {
    const featurizer = createFeaturizer({ hashBits });
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (text) => {
        const hashed = featurizer.hash(text);
        for (let i = 0; i < hashed.count; i++) assert.ok((hashed.buckets[i] as number) < 2 ** hashBits);
      }),
      { numRuns: 200 },
    );
  }
});

test("normalization: case, digits and whitespace runs do not change the features", () => {
  const featurizer = createFeaturizer();
  const sorted = (text: string) => {
    const h = featurizer.hash(text);
    return Array.from(h.buckets.subarray(0, h.count)).sort((x, y) => x - y);
  };
  assert.deepEqual(sorted("Card  arrived\ton 12/03"), sorted("card arrived on 45/67"));
  assert.notDeepEqual(sorted("card arrived"), sorted("card arrives"));
});

test("the ASCII fast path folds exactly like lower-casing and digit replacement on whole strings", () => {
  const featurizer = createFeaturizer();
  const buckets = (text: string) => {
    const h = featurizer.hash(text);
    return Array.from(h.buckets.subarray(0, h.count));
  };
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(..."aZ9 0Qx-\t.,'1"), maxLength: 40 }), (text) => {
      assert.deepEqual(buckets(text), buckets(text.toLowerCase().replace(/[0-9]/g, "0")));
    }),
    { numRuns: 200 },
  );
});

test("transformed vectors are L2-normalized, sparse, with in-range indices, for any text", () => {
  const space = fitFeatureSpace(corpus);
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(...corpus)), (text) => {
      const v = space.transform(text);
      let norm = 0;
      const seen = new Set<number>();
      for (let i = 0; i < v.nnz; i++) {
        const index = v.indices[i] as number;
        assert.ok(index >= 0 && index < space.size);
        assert.ok(!seen.has(index), "an index appears once");
        seen.add(index);
        norm += (v.values[i] as number) ** 2;
      }
      if (v.nnz > 0) assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    }),
    { numRuns: 300 },
  );
  assert.ok(space.transform(corpus[0] as string).nnz > 10);
});

test("feature selection honours minDf and maxFeatures, keeping the most frequent", () => {
  const all = fitFeatureSpace(corpus);
  const frequent = fitFeatureSpace(corpus, { minDf: 2 });
  assert.ok(frequent.size < all.size && frequent.size > 0);
  const capped = fitFeatureSpace(corpus, { maxFeatures: 50 });
  assert.equal(capped.size, 50);
  // "card" appears in two texts: its word bucket must survive the cap.
  const word = createFeaturizer().hash("card");
  const cardBucket = word.buckets[0] as number;
  assert.ok(Array.from(capped.buckets).includes(cardBucket));
});

test("bad featurizer configs fail with the field name", () => {
  assert.throws(
    () => createFeaturizer({ hashBits: 40 }),
    (e: unknown) => e instanceof FrugalError && e.message.includes("hashBits"),
  );
  assert.throws(() => createFeaturizer({ wordNgramMax: 0, charNgramMax: 0 }), FrugalError);
});
