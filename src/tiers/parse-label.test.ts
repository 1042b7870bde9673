import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLabel } from "./parse-label.ts";

const labels = ["card_arrival", "exchange_rate", "card_payment_wrong_exchange_rate", "pin_blocked"];

test("each reading of an answer, from strict to loose", () => {
  const cases: Array<[string, string, string]> = [
    ["card_arrival", "card_arrival", "exact"],
    ["  Card Arrival.\n", "card_arrival", "normalized"],
    ['"pin_blocked"', "pin_blocked", "normalized"],
    ["`PIN-blocked`", "pin_blocked", "normalized"],
    ['Sure! {"label": "exchange_rate"}', "exchange_rate", "json"],
    ["The intent is card_payment_wrong_exchange_rate, not exchange_rate.", "card_payment_wrong_exchange_rate", "in-sentence"],
    ["I think this is about the exchange rate.", "exchange_rate", "in-sentence"],
    ["card_arival", "card_arrival", "edit-distance"],
  ];
  for (const [answer, label, method] of cases) {
    const parsed = parseLabel(answer, labels);
    assert.equal(parsed?.label, label, answer);
    assert.equal(parsed?.method, method, answer);
  }
});

test("a guess is less sure than an exact answer; gibberish is no label", () => {
  const exact = parseLabel("card_arrival", labels);
  const guess = parseLabel("card_arival", labels);
  assert.ok(exact !== null && guess !== null && guess.parseConfidence < exact.parseConfidence);
  assert.equal(parseLabel("zxqv wlk", labels), null);
  assert.equal(parseLabel("", labels), null);
});
