import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { canonicalKey, cleanValue, normalizeForMatch, valuesMatch } from "./normalize.ts";
import { findAmounts, findDates, isAmount, isDate } from "./patterns.ts";

const dates = (text: string): string[] => findDates(text).map((d) => d.text);

describe("findDates", () => {
  it("finds the formats receipts print, keeping the printed form", () => {
    assert.deepEqual(dates("DATE: 25/12/2018 8:13:39 PM"), ["25/12/2018"]);
    assert.deepEqual(dates("12-01-19 21:13 SH01 ZK09"), ["12-01-19"]);
    assert.deepEqual(dates("DATE 23-01-2019"), ["23-01-2019"]);
    assert.deepEqual(dates("11.02.18"), ["11.02.18"]);
    assert.deepEqual(dates("5/3/2018"), ["5/3/2018"]);
    assert.deepEqual(dates("2018-03-23 10:00"), ["2018-03-23"]);
    assert.deepEqual(dates("2016/05/01"), ["2016/05/01"]);
    assert.deepEqual(dates("05 MAR 2018 18:22"), ["05 MAR 2018"]);
    assert.deepEqual(dates("28 MAR 18"), ["28 MAR 18"]);
    assert.deepEqual(dates("24-MAR-2018"), ["24-MAR-2018"]);
    assert.deepEqual(dates("02/JAN/2017"), ["02/JAN/2017"]);
    assert.deepEqual(dates("OCT 3, 2016"), ["OCT 3, 2016"]);
    assert.deepEqual(dates("3 September 2017"), ["3 September 2017"]);
    assert.deepEqual(dates("BILL 20180304"), ["20180304"]);
  });

  it("reports a format id per match", () => {
    assert.equal(findDates("25/12/2018")[0]?.format, "d/m/y4");
    assert.equal(findDates("12-01-19")[0]?.format, "d-m-y2");
    assert.equal(findDates("2018-03-23")[0]?.format, "y4-m-d");
    assert.equal(findDates("05 MAR 2018")[0]?.format, "d mon y4");
  });

  it("rejects phone numbers, codes, times and impossible dates", () => {
    assert.deepEqual(dates("TEL: 07-3507405"), []);
    assert.deepEqual(dates("GST ID: 000849813504"), []);
    assert.deepEqual(dates("12:31:00"), []);
    assert.deepEqual(dates("45/13/2018"), []);
    assert.deepEqual(dates("1.00 X 21.32"), []);
    assert.deepEqual(dates("INV 99999999"), []);
    // Mixed separators are not one date.
    assert.deepEqual(dates("12/03-2018"), []);
  });

  it("does not report the same text twice", () => {
    assert.equal(findDates("2018-03-23").length, 1);
    assert.deepEqual(dates("FROM 01/02/2018 TO 03/02/2018"), ["01/02/2018", "03/02/2018"]);
  });

  it("isDate accepts a whole date only", () => {
    assert.ok(isDate(" 25/12/2018 "));
    assert.ok(!isDate("25/12/2018 8:13"));
    assert.ok(!isDate("9.00"));
  });
});

describe("findAmounts", () => {
  it("finds amounts with their currency and spacing", () => {
    const [a] = findAmounts("TOTAL RM 33.90");
    assert.deepEqual([a?.number, a?.currency, a?.gap, a?.value], ["33.90", "RM", " ", 33.9]);
    const [b] = findAmounts("TOTAL:RM4.00");
    assert.deepEqual([b?.number, b?.currency, b?.gap], ["4.00", "RM", ""]);
    const [c] = findAmounts("$8.20");
    assert.deepEqual([c?.number, c?.currency], ["8.20", "$"]);
  });

  it("reads thousands separators, signs and one-decimal amounts", () => {
    assert.deepEqual(findAmounts("1,007.50 -1.73 43.7").map((a) => [a.number, a.value]), [["1,007.50", 1007.5], ["-1.73", -1.73], ["43.7", 43.7]]);
  });

  it("ignores quantities with three decimals, integers and dates", () => {
    assert.deepEqual(findAmounts("9.000 QTY 3 25/12/2018"), []);
    assert.deepEqual(findAmounts("1 X 29.90").map((a) => a.number), ["29.90"]);
  });

  it("isAmount accepts a whole amount, currency allowed", () => {
    assert.ok(isAmount("RM 33.90"));
    assert.ok(isAmount("9.00"));
    assert.ok(!isAmount("TOTAL 9.00"));
  });
});

describe("normalization", () => {
  it("matches after trim, whitespace collapse and lower-casing, nothing more", () => {
    assert.equal(normalizeForMatch("  Mr  D.I.Y.\t(M) SDN BHD "), "mr d.i.y. (m) sdn bhd");
    assert.ok(valuesMatch("BOOK TA .K  SDN BHD", "book ta .k sdn bhd"));
    assert.ok(!valuesMatch("27,JALAN", "27, JALAN"));
    assert.ok(!valuesMatch("RM 9.00", "9.00"));
    assert.ok(!valuesMatch(null, "9.00"));
  });

  it("cleans the answer and keys the memory on letters and digits", () => {
    assert.equal(cleanValue(" A \n B "), "A B");
    assert.equal(canonicalKey("27,JALAN DEDAP 13,"), canonicalKey("27, jalan dedap 13"));
    assert.notEqual(canonicalKey("JALAN 13"), canonicalKey("JALAN 14"));
  });
});
