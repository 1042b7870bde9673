import { test } from "node:test";
import assert from "node:assert/strict";
import { found } from "./test-helpers.ts";

test("phone: French national forms with one consistent separator", () => {
  for (const phone of ["06 12 34 56 78", "01.23.45.67.89", "09-87-65-43-21", "0612345678", "06\u00a012\u00a034\u00a056\u00a078"]) {
    assert.deepEqual(found(`appelez le ${phone}.`), [`phone:${phone}`], phone);
  }
});

test("phone: international and North American forms", () => {
  for (const phone of ["+33 6 12 34 56 78", "+33 (0)1 23 45 67 89", "+33612345678", "+44 20 7946 0958", "+1 (555) 123-4567", "+49 30 1234567", "(555) 123-4567", "(555) 123 4567", "555-123-4567", "555.123.4567"]) {
    assert.deepEqual(found(`call ${phone} now`), [`phone:${phone}`], phone);
  }
});

test("phone: dates, amounts, short codes, long runs are not phones", () => {
  for (const text of [
    "le 01.02.2024 à 10:30",
    "06 12 34 56",
    "06 12 34 56 78 90",
    "06 12.34 56 78",
    "+33 6 12",
    "+33 6 12 34 56 78 90 12 34",
    "total +12.5 %",
    "ref 123-456-7890",
    "1-555-123-4567x",
    "order 2024-555-1234",
    "ticket 0612345678901",
    "12/03/2024",
    "1 250,00 €",
  ]) {
    assert.deepEqual(found(text, { types: ["phone"] }), [], text);
  }
});
