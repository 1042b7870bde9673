import { test } from "node:test";
import assert from "node:assert/strict";
import { createEmbedder, fitSpaces } from "./embedding.ts";
import { pairFeatures, PAIR_FEATURE_NAMES } from "./pair-features.ts";
import { opposed, textFacts } from "./text-facts.ts";

const texts = [
  "How do I enable 2FA on my account?",
  "How do I disable 2FA on my account?",
  "How can I turn on 2FA for my account?",
  "Why is Python slower than Java?",
  "Why is Java slower than Python?",
  "What is the best laptop under 500 dollars?",
  "What is the best laptop under 800 dollars?",
  "I don't like my account",
  "I like my account",
];

test("text facts: negations (n't included), numbers, question words, capitalised names", () => {
  const f = textFacts("Why doesn't Python 3 run on my Mac?");
  assert.equal(f.negations, 1);
  assert.deepEqual([...f.numbers], ["3"]);
  assert.ok(f.questionWords.has("why"));
  assert.deepEqual([...f.capitalised].sort(), ["mac", "python"]);
  assert.ok(opposed("enable", "disable"));
  assert.ok(opposed("increase", "decrease"));
  assert.ok(!opposed("enable", "enable"));
  assert.ok(!opposed("laptop", "account"));
});

test("pair features flag what a cosine smooths over: an antonym, a negation, a different number", () => {
  const embedder = createEmbedder(fitSpaces([...texts, ...texts]), { dimension: 64, seed: 1 });
  const f = (a: string, b: string): Record<string, number> => {
    const v = pairFeatures(embedder, embedder.represent(a), embedder.represent(b), 0.9);
    return Object.fromEntries(PAIR_FEATURE_NAMES.map((n, i) => [n, v[i] as number]));
  };
  const twoFa = f(texts[0] as string, texts[1] as string);
  assert.equal(twoFa.antonym_differs, 1);
  assert.ok((twoFa.cos_char as number) > 0.5, "the two questions look alike to n-grams");
  assert.equal(f(texts[0] as string, texts[2] as string).antonym_differs, 0);
  assert.equal(f(texts[7] as string, texts[8] as string).negation_differs, 1);
  assert.equal(f(texts[5] as string, texts[6] as string).number_differs, 1);
  const same = f(texts[0] as string, texts[0] as string);
  assert.equal(same.identical_words, 1);
  assert.ok(Math.abs((same.cos_word as number) - 1) < 1e-5);
});
