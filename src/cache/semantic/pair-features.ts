/**
 * The hit verifier's input: a fixed-length vector describing a (stored question, incoming question) pair. Similarity in
 * several views (a paraphrase shares character pieces even when its words differ), and — what similarity alone misses —
 * the words that differ: how many and how informative (IDF), and whether a differing word is a negation, an antonym or an
 * opposing prefix (enable ↔ disable), a number, a question word or a capitalised name. Several features are repeated
 * multiplied by the char cosine, so that a linear model can say "a differing number matters most when all else is equal".
 */
import type { Embedder, TextRepresentation } from "./embedding.ts";
import { jaccard, missingFrom, opposed, sameSet } from "./text-facts.ts";

export const PAIR_FEATURE_NAMES = [
  "bias_one",
  "cos_embedding",
  "cos_word",
  "cos_unigram",
  "cos_char",
  "cos_char_sq",
  "jaccard_words",
  "jaccard_content",
  "length_ratio",
  "char_length_diff",
  "diff_words_a",
  "diff_words_b",
  "diff_count",
  "diff_idf_share",
  "diff_idf_max",
  "negation_differs",
  "antonym_differs",
  "number_differs",
  "number_one_side",
  "question_word_differs",
  "first_word_differs",
  "capitalised_differs",
  "identical_words",
  "neg_x_cos",
  "antonym_x_cos",
  "number_x_cos",
  "question_x_cos",
  "capitalised_x_cos",
  "diffmax_x_cos",
] as const;

export const PAIR_FEATURES = PAIR_FEATURE_NAMES.length;

/** Sum and maximum IDF of `words`. */
function idfStats(embedder: Embedder, words: readonly string[]): { sum: number; max: number } {
  let sum = 0;
  let max = 0;
  for (const w of words) {
    const idf = embedder.idfOf(w);
    sum += idf;
    if (idf > max) max = idf;
  }
  return { sum, max };
}

/** Writes the pair's features into `out` (length PAIR_FEATURES); `embeddingCosine` is the retrieval score. */
export function pairFeatures(embedder: Embedder, a: TextRepresentation, b: TextRepresentation, embeddingCosine: number, out = new Float32Array(PAIR_FEATURES)): Float32Array {
  const fa = a.facts;
  const fb = b.facts;
  const cosWord = embedder.cosine("word", a.views.word, b.views.word);
  const cosUnigram = embedder.cosine("unigram", a.views.unigram, b.views.unigram);
  const cosChar = embedder.cosine("char", a.views.char, b.views.char);
  const onlyA = missingFrom(fa.tokenSet, fb.tokenSet);
  const onlyB = missingFrom(fb.tokenSet, fa.tokenSet);
  const differing = [...onlyA, ...onlyB];
  const diff = idfStats(embedder, differing);
  const all = idfStats(embedder, [...new Set([...fa.tokenSet, ...fb.tokenSet])]);
  const negationDiffers = (fa.negations % 2 === 0) !== (fb.negations % 2 === 0) ? 1 : 0;
  const antonym = onlyA.some((x) => onlyB.some((y) => opposed(x, y))) ? 1 : 0;
  const numberDiffers = fa.numbers.size > 0 && fb.numbers.size > 0 && !sameSet(fa.numbers, fb.numbers) ? 1 : 0;
  const numberOneSide = (fa.numbers.size > 0) !== (fb.numbers.size > 0) ? 1 : 0;
  const questionDiffers = fa.questionWords.size > 0 && fb.questionWords.size > 0 && !sameSet(fa.questionWords, fb.questionWords) ? 1 : 0;
  const firstDiffers = fa.tokens[0] !== fb.tokens[0] ? 1 : 0;
  // A name on one side only ("Java" vs "Python"): compared against all the other side's words, so that a name written in
  // lower case on the other side still matches.
  const capitalisedDiffers = [...fa.capitalised].some((w) => !fb.tokenSet.has(w)) || [...fb.capitalised].some((w) => !fa.tokenSet.has(w)) ? 1 : 0;
  const lengths = [fa.tokens.length, fb.tokens.length];
  const diffMax = Math.min(1, diff.max / 12);
  const values = [
    1,
    embeddingCosine,
    cosWord,
    cosUnigram,
    cosChar,
    cosChar * cosChar,
    jaccard(fa.tokenSet, fb.tokenSet),
    jaccard(fa.contentSet, fb.contentSet),
    Math.min(...lengths) / Math.max(1, ...lengths),
    Math.abs(fa.chars - fb.chars) / Math.max(1, fa.chars, fb.chars),
    onlyA.length / Math.max(1, fa.tokenSet.size),
    onlyB.length / Math.max(1, fb.tokenSet.size),
    Math.min(differing.length, 12) / 12,
    all.sum > 0 ? diff.sum / all.sum : 0,
    diffMax,
    negationDiffers,
    antonym,
    numberDiffers,
    numberOneSide,
    questionDiffers,
    firstDiffers,
    capitalisedDiffers,
    differing.length === 0 ? 1 : 0,
    negationDiffers * cosChar,
    antonym * cosChar,
    numberDiffers * cosChar,
    questionDiffers * cosChar,
    capitalisedDiffers * cosChar,
    diffMax * cosChar,
  ];
  for (let i = 0; i < PAIR_FEATURES; i++) out[i] = values[i] as number;
  return out;
}
