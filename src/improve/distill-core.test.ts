import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../compact/random.ts";
import { isFrugalError } from "../core/errors.ts";
import { distillCandidate, PROMOTION_RULE, type LabeledText } from "./distill-core.ts";
import { mergeRows, splitOf, splitRows, textKey } from "./distill-split.ts";

const LABELS = ["billing", "card", "refund", "transfer"];
const WORDS: Record<string, string[]> = {
  billing: ["invoice", "charge", "bill", "fee", "statement", "payment"],
  card: ["card", "pin", "atm", "chip", "contactless", "blocked"],
  refund: ["refund", "return", "money back", "reimburse", "cancelled order", "dispute"],
  transfer: ["transfer", "wire", "iban", "send money", "beneficiary", "swift"],
};
const FILLER = ["please", "help", "my", "the", "why", "is", "how", "can", "i", "today", "still", "again"];

/** Learnable synthetic intents: two of the label's words among filler, each text unique by its number. */
function synthetic(n: number, seed: number, source: LabeledText["source"]): LabeledText[] {
  const rng = createRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  return Array.from({ length: n }, (_, i) => {
    const label = LABELS[i % LABELS.length] as string;
    const words = [pick(FILLER), pick(WORDS[label] ?? []), pick(FILLER), pick(WORDS[label] ?? []), pick(FILLER), `n${seed}x${i}`];
    return { text: words.join(" "), label, source };
  });
}

const FAST = { hiddenUnits: 0, folds: 2, maxEpochs: 8, featurizer: { hashBits: 16 } } as const;

test("a candidate is trained, certified on the hash-split calibration rows, and evaluated with each label source apart", async () => {
  const seed = synthetic(300, 1, "seed");
  // LLM labels with 5% of them wrong: the certificate is then about agreement with the LLM.
  const rng = createRng(9);
  const distilled = synthetic(1500, 2, "llm").map((r) => (rng() < 0.05 ? { ...r, label: LABELS[(LABELS.indexOf(r.label) + 1) % LABELS.length] as string } : r));
  const gold = synthetic(400, 3, "gold");
  const stages = new Set<string>();
  const { candidate, parts, report } = await distillCandidate({
    taskName: "intents",
    labels: LABELS,
    seed,
    distilled,
    gold,
    epsilon: 0.1,
    trainOptions: FAST,
    threads: 1,
    onProgress: (p) => stages.add(p.stage),
  });
  for (const stage of ["split", "train", "certify", "evaluate"]) assert.ok(stages.has(stage), `progress stage ${stage}`);
  const { sizes } = report;
  for (const source of ["seed", "llm", "gold"] as const) {
    assert.equal(sizes.train[source] + sizes.calibration[source] + sizes.heldOut[source] + sizes.droppedDuplicate[source] + sizes.droppedUnknownLabel[source], sizes.input[source]);
    assert.ok(sizes.heldOut[source] > 0 && sizes.calibration[source] > 0, `${source} rows in every split`);
  }
  // Reported apart: each source's held-out rows are scored alone, against the right yardstick.
  assert.equal(report.candidate.heldOut.llm.n, sizes.heldOut.llm);
  assert.equal(report.candidate.heldOut.gold.n, sizes.heldOut.gold);
  assert.equal(report.candidate.heldOut.llm.against, "LLM labels");
  assert.equal(report.candidate.heldOut.gold.against, "human labels");
  assert.ok((report.candidate.heldOut.gold.accuracy ?? 0) > 0.8, "learnable intents are learned");
  // The certificate: on the calibration rows, recorded in the report and in the model that would serve.
  const cert = report.candidate.certificate;
  assert.equal(cert.rows, sizes.calibration.seed + sizes.calibration.llm + sizes.calibration.gold);
  assert.deepEqual(cert.bySource, sizes.calibration);
  assert.equal(cert.against, "human and LLM labels");
  assert.match(cert.claim, /agreement with the LLM, not correctness/);
  assert.ok(cert.certified, "ε = 0.1 is certifiable on this data");
  assert.equal(candidate.threshold, cert.threshold);
  assert.equal(parts.meta.threshold.value, cert.threshold);
  assert.equal(parts.meta.threshold.calibrationSize, cert.rows);
  assert.equal(parts.meta.threshold.maxError, 0.1);
  assert.equal(report.current, null);
  assert.equal(report.promotion.rule, PROMOTION_RULE);
  assert.match(report.splitRule, /held-out when u < 0.1, calibration when u < 0.25/);
  assert.equal(report.promotion.candidateBetter, true);
  assert.ok(report.notes.some((n) => /agreement with the LLM/.test(n)));

  // The served model, compared on the same rows: its certificate is recomputed on the same calibration rows.
  const again = await distillCandidate({ taskName: "intents", labels: LABELS, seed, distilled: distilled.slice(0, 300), gold, epsilon: 0.1, trainOptions: FAST, threads: 1, current: candidate });
  assert.ok(again.report.current !== null);
  assert.equal(again.report.current.certificate.rows, again.report.candidate.certificate.rows);
  assert.equal(again.report.current.heldOut.gold.n, again.report.candidate.heldOut.gold.n);
  const { candidateCoverage, currentCoverage, candidateBetter } = again.report.promotion;
  assert.equal(candidateBetter, again.report.candidate.certificate.certified && candidateCoverage > (currentCoverage ?? -1));
});

test("gold labels take precedence over LLM labels for the same text, and labels outside the task are dropped", async () => {
  const text = "Why was my card blocked at the ATM n1";
  const merged = mergeRows(
    [
      [{ text, label: "card", source: "seed" }],
      [
        { text: text.toUpperCase(), label: "billing", source: "llm" },
        { text: "something else", label: "weather", source: "llm" },
      ],
      [{ text: `  ${text} `, label: "refund", source: "gold" }],
    ],
    LABELS,
  );
  assert.equal(merged.rows.length, 1);
  assert.deepEqual(merged.rows[0], { text: `  ${text} `, label: "refund", source: "gold" });
  assert.deepEqual(merged.duplicates, { seed: 1, llm: 1, gold: 0 });
  assert.deepEqual(merged.unknownLabel, { seed: 0, llm: 1, gold: 0 });

  // Through distillCandidate: every LLM row contradicted by gold is dropped as a duplicate.
  const gold = synthetic(400, 5, "gold");
  const wrong = gold.slice(0, 100).map((r) => ({ ...r, label: LABELS[(LABELS.indexOf(r.label) + 1) % LABELS.length] as string, source: "llm" as const }));
  const { report } = await distillCandidate({ taskName: "t", labels: LABELS, seed: synthetic(200, 6, "seed"), distilled: wrong, gold, epsilon: 0.1, trainOptions: FAST, threads: 1 });
  assert.equal(report.sizes.droppedDuplicate.llm, 100);
  assert.equal(report.sizes.train.llm + report.sizes.calibration.llm + report.sizes.heldOut.llm, 0);
});

test("the split is a function of the text and the seed: stable as the set grows, one split per text", () => {
  const shares = { heldOut: 0.1, calibration: 0.15 };
  const small = synthetic(500, 7, "llm");
  const grown = [...synthetic(2000, 8, "llm"), ...small];
  const before = splitRows(small, 42, shares);
  const after = splitRows(grown, 42, shares);
  for (const name of ["train", "calibration", "heldOut"] as const) {
    const later = new Set(after[name].map((r) => r.text));
    for (const row of before[name]) assert.ok(later.has(row.text), `"${row.text}" stayed in ${name}`);
  }
  // Same text up to case and spacing: same split. Another seed: another split for some texts.
  assert.equal(splitOf("Send money to IBAN", 42, shares), splitOf("  send   MONEY to iban", 42, shares));
  assert.equal(textKey("A  b\tC"), "a b c");
  const moved = small.filter((r) => splitOf(r.text, 42, shares) !== splitOf(r.text, 43, shares)).length;
  assert.ok(moved > 0);
  const held = after.heldOut.length / grown.length;
  const calib = after.calibration.length / grown.length;
  assert.ok(Math.abs(held - 0.1) < 0.03 && Math.abs(calib - 0.15) < 0.03, `shares honoured: ${held}, ${calib}`);
});

test("bad input is one clean error", async () => {
  const base = { taskName: "t", labels: LABELS, seed: synthetic(50, 1, "seed"), distilled: [], gold: [], trainOptions: FAST, threads: 1 };
  await assert.rejects(distillCandidate({ ...base, epsilon: 0 }), isFrugalError);
  await assert.rejects(distillCandidate({ ...base, seed: [], epsilon: 0.1 }), isFrugalError);
});
