import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { FrugalError } from "../../core/errors.ts";
import type { FieldPrediction } from "../types.ts";
import { createTokenCounter, documentLines, estimateTokensSaved, promptReduction, reducedContext } from "./reduce.ts";

const RECEIPT = ["ACME SDN BHD", "", "NO 1, JALAN SATU", "81100 JOHOR", "ITEM A 1.00", "ITEM B 2.00", "TOTAL:", "3.00", "CASH 5.00", "THANK YOU"].join("\n");
const prediction = (lines: string[]): FieldPrediction => ({ value: "x", confidence: 0.5, lines });

describe("reducedContext", () => {
  it("keeps the ranked lines and a window of neighbours, marking skipped runs", () => {
    const reduced = reducedContext(RECEIPT, prediction(["3.00"]), { window: 1 });
    assert.deepEqual(reduced.lines, ["TOTAL:", "3.00", "CASH 5.00"]);
    assert.equal(reduced.text, "...\nTOTAL:\n3.00\nCASH 5.00\n...");
    assert.equal(reduced.fullDocument, false);
    assert.deepEqual(reducedContext(RECEIPT, prediction(["3.00"]), { window: 0 }).lines, ["3.00"]);
  });

  it("merges several escalated fields into one context", () => {
    const reduced = reducedContext(RECEIPT, [prediction(["ACME SDN BHD"]), prediction(["3.00"])], { window: 0 });
    assert.equal(reduced.text, "ACME SDN BHD\n...\n3.00\n...");
  });

  it("maps a repeated line to every place it appears", () => {
    const text = "TOTAL\n1.00\nX\nY\nTOTAL\n2.00";
    assert.deepEqual(reducedContext(text, prediction(["TOTAL"]), { window: 0 }).lineIndices, [0, 4]);
  });

  it("falls back to the whole document when nothing was ranked", () => {
    const reduced = reducedContext(RECEIPT, prediction([]));
    assert.equal(reduced.fullDocument, true);
    assert.deepEqual(reduced.lines, documentLines(RECEIPT));
  });

  it("rejects a negative window", () => {
    assert.throws(() => reducedContext(RECEIPT, prediction(["3.00"]), { window: -1 }), FrugalError);
  });
});

describe("estimateTokensSaved", () => {
  it("counts real tokens of both prompts with the same tokenizer", () => {
    const counter = createTokenCounter();
    const reduced = reducedContext(RECEIPT, prediction(["3.00"]), { window: 1 });
    const savings = estimateTokensSaved(RECEIPT, reduced, counter);
    assert.equal(savings.encoding, "cl100k_base");
    assert.equal(savings.fullTokens, counter.count(RECEIPT));
    assert.equal(savings.reducedTokens, counter.count(reduced.text));
    assert.ok(savings.reducedTokens < savings.fullTokens);
    assert.equal(savings.savedTokens, savings.fullTokens - savings.reducedTokens);
    assert.ok(savings.savedShare > 0 && savings.savedShare < 1);
    assert.equal(estimateTokensSaved("", "", counter).savedShare, 0);
  });
});

describe("promptReduction", () => {
  it("counts each document once, as one call with the union of its escalated fields' lines", () => {
    // A counter that counts lines, so the expected figures can be read off the texts.
    const counter = { encoding: "lines", count: (text: string) => text.split("\n").length };
    const other = ["SHOP", "DATE 01/01/2019", "TOTAL 9.00"].join("\n");
    const result = promptReduction(
      [
        { text: RECEIPT, escalated: [prediction(["ACME SDN BHD"]), prediction(["3.00"]), prediction(["NO 1, JALAN SATU"])] },
        { text: other, escalated: [] },
      ],
      counter,
      { window: 0 },
    );
    // RECEIPT once (9 non-empty lines, 10 with the blank one as the counter sees it), not once per field (30).
    assert.equal(result.documents, 1);
    assert.equal(result.fullTokens, 10);
    // ACME SDN BHD / NO 1, JALAN SATU / ... / 3.00 / ... (blank lines dropped, skipped runs marked)
    assert.equal(result.reducedTokens, 5);
    assert.ok(Math.abs(result.savedShare - 0.5) < 1e-12);
  });
});
