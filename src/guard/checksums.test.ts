import { test } from "node:test";
import assert from "node:assert/strict";
import { ibanCheckDigits, ibanMod97, ibanValid, luhnCheckDigit, luhnValid, nirKey, nirValid, sirenValid, siretValid } from "./checksums.ts";

test("Luhn accepts published test numbers and rejects every single-digit change", () => {
  for (const valid of ["4111111111111111", "79927398713", "378282246310005", "5500000000000004", "732829320"]) {
    assert.equal(luhnValid(valid), true, valid);
    for (let i = 0; i < valid.length; i++) {
      const changed = valid.slice(0, i) + String((Number(valid[i]) + 3) % 10) + valid.slice(i + 1);
      assert.equal(luhnValid(changed), false, changed);
    }
  }
  assert.equal(luhnCheckDigit("411111111111111"), "1");
});

test("IBAN: registry examples pass, a changed character or a wrong length fails", () => {
  for (const iban of ["FR7630006000011234567890189", "DE89370400440532013000", "GB29NWBK60161331926819", "BE68539007547034", "NL91ABNA0417164300", "CH9300762011623852957"]) {
    assert.equal(ibanValid(iban), true, iban);
    assert.equal(ibanMod97(iban), 1);
  }
  assert.equal(ibanValid("FR7630006000011234567890188"), false);
  assert.equal(ibanValid("FR763000600001123456789018"), false, "one character short");
  assert.equal(ibanValid("ZZ7630006000011234567890189"), false, "unknown country");
  assert.equal(ibanCheckDigits("FR", "30006000011234567890189"), "76");
});

test("NIR key is 97 - (n mod 97), with Corsica's 2A and 2B counted as 19 and 18", () => {
  const expected = (digits: string) => Number(97n - (BigInt(digits) % 97n));
  assert.equal(nirKey("1850578006084"), expected("1850578006084"));
  assert.equal(nirKey("185052A012345"), expected("1850519012345"));
  assert.equal(nirKey("185052B012345"), expected("1850518012345"));
  assert.equal(nirValid(`185052A012345${String(expected("1850519012345")).padStart(2, "0")}`), true);
  assert.equal(nirValid("185057800608491"), true);
  assert.equal(nirValid("185057800608436"), false);
  assert.equal(nirValid("18505780060849"), false, "14 characters");
});

test("SIREN and SIRET: Luhn, La Poste's digit-sum exception, all zeros refused", () => {
  assert.equal(sirenValid("732829320"), true);
  assert.equal(sirenValid("732829321"), false);
  assert.equal(sirenValid("000000000"), false);
  assert.equal(siretValid("73282932000074"), true);
  assert.equal(siretValid("73282932000075"), false);
  // Not Luhn-valid, but La Poste's and its digit sum (15) is a multiple of 5.
  assert.equal(luhnValid("35600000000010"), false);
  assert.equal(siretValid("35600000000010"), true);
  assert.equal(siretValid("35600000000011"), false);
  assert.equal(siretValid("73282932000010"), false, "the exception is La Poste's alone");
});
