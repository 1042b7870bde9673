import { test } from "node:test";
import assert from "node:assert/strict";
import { luhnValid } from "./checksums.ts";
import { found } from "./test-helpers.ts";

test("cards: bare and in printed groupings, Luhn and issuer checked", () => {
  assert.deepEqual(found("card 4111111111111111 please"), ["card:4111111111111111"]);
  assert.deepEqual(found("card 4111 1111 1111 1111."), ["card:4111 1111 1111 1111"]);
  assert.deepEqual(found("card 5500-0000-0000-0004"), ["card:5500-0000-0000-0004"]);
  assert.deepEqual(found("amex 3782 822463 10005 ok"), ["card:3782 822463 10005"]);
  assert.deepEqual(found("amex 378282246310005"), ["card:378282246310005"]);
  assert.deepEqual(found("carte\u00a04111\u00a01111\u00a01111\u00a01111"), ["card:4111\u00a01111\u00a01111\u00a01111"]);
});

test("cards: near-misses are not flagged", () => {
  assert.deepEqual(found("card 4111 1111 1111 1112"), [], "one digit changed breaks Luhn");
  assert.equal(luhnValid("9111111111111110"), true);
  assert.deepEqual(found("ref 9111111111111110"), [], "Luhn-valid, but no issuer numbers start with 9");
  assert.equal(luhnValid("44111111111111117"), true);
  assert.deepEqual(found("ref 44111111111111117"), [], "Luhn-valid, but Visa issues no 17-digit numbers");
  assert.deepEqual(found("card 4111 1111 1111"), [], "12 digits");
  assert.deepEqual(found("a 4111-1111 1111-1111 b"), [], "mixed separators");
  assert.deepEqual(found("4111 1111 1111 1111 2222"), [], "inside a longer run of groups");
  assert.deepEqual(found("x94111111111111111"), [], "inside a longer digit run");
  assert.deepEqual(found("total 4111111111111111 €"), [], "an amount");
  assert.deepEqual(found("pi 3.4111111111111111"), [], "decimals");
  assert.deepEqual(found("ms 1712345678901 since epoch"), [], "a millisecond timestamp");
});

test("IBAN: grouped or compact, any case, mod 97 and the country's length", () => {
  assert.deepEqual(found("IBAN FR76 3000 6000 0112 3456 7890 189."), ["iban:FR76 3000 6000 0112 3456 7890 189"]);
  assert.deepEqual(found("to DE89370400440532013000, thanks"), ["iban:DE89370400440532013000"]);
  assert.deepEqual(found("gb29 nwbk 6016 1331 9268 19"), ["iban:gb29 nwbk 6016 1331 9268 19"]);
  assert.deepEqual(found("BE68 5390 0754 7034 CODE"), ["iban:BE68 5390 0754 7034"], "a following word of four is cut off");
  assert.deepEqual(found("NO93 8601 1117 947"), ["iban:NO93 8601 1117 947"]);
});

test("IBAN: near-misses are not flagged", () => {
  assert.deepEqual(found("FR76 3000 6000 0112 3456 7890 188"), [], "one digit changed");
  assert.deepEqual(found("FR77 3000 6000 0112 3456 7890 189"), [], "check digits changed");
  assert.deepEqual(found("FR76 3000 6000 0112 3456 7890"), [], "too short");
  assert.deepEqual(found("XX76 3000 6000 0112 3456 7890 189"), [], "unknown country");
  assert.deepEqual(found("ABCFR7630006000011234567890189"), [], "glued to a word");
  assert.deepEqual(found("BE68539007547034X"), [], "glued to more characters");
});
