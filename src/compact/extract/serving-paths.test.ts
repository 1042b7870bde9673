/**
 * The serving fast paths must compute exactly what their plain forms compute (saved models depend on the values), and the
 * version-2 helpers (issuer header, receipt year, OCR-tolerant memory) must do what the features and policies assume.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { createRng } from "../random.ts";
import { hashString } from "../hashing.ts";
import { prepareDocument, tokenKey, tokenKeyHash, HEADER_LINES } from "./document.ts";
import { boundedEditDistance } from "../../core/text-distance.ts";
import { characterHistogram, histogramLowerBound } from "./character-histogram.ts";
import { CollectingSink, ScoringSink } from "./feature-sink.ts";
import { documentYear, valueShape } from "./document-facts.ts";
import { measureLatency, percentiles } from "./latency.ts";
import { ValueMemory } from "./memory.ts";
import { canonicalKey } from "./normalize.ts";
import { dateYear, findDates } from "./patterns.ts";
import { scoreVector } from "./ranker.ts";
import { WeightTable } from "./weight-table.ts";

const SAMPLES = ["TOTAL:", "RM33.90", "81100", "***", "(728384-M)", "DATE:25/12/2018", "Ünïcode", "ÉCOLE9", "a", "-", "12345678901", "S/B.", "x:y;z|w", "AAAAAAA1111111"];

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length] as number;
}

describe("serving fast paths", () => {
  it("hash token keys without building strings, to the same values as hashString(tokenKey(...))", () => {
    for (const token of SAMPLES) assert.equal(tokenKeyHash(`  ${token} `, 2, 2 + token.length), hashString(tokenKey(token)) | 0, token);
  });

  it("split context keys at : ; | like the string form", () => {
    const line = prepareDocument("DATE:25/12/2018 x;;y|").lines[0];
    const expected = ["DATE", "25/12/2018", "x", "y"].map((p) => hashString(tokenKey(p)) | 0);
    assert.deepEqual(line?.contextKeys, [...expected]);
  });

  it("shape values like the string tests", () => {
    for (const v of [...SAMPLES, "ABC DEF", "Abc", "abc.", "9.00", "É", "éA"]) {
      const upper = v === v.toUpperCase() && v !== v.toLowerCase();
      const expected = (upper ? 1 : 0) + (/\d/.test(v) ? 2 : 0) + (/[,.;:]$/.test(v) ? 4 : 0) + (/^[\p{L}]/u.test(v) ? 8 : 0);
      assert.equal(valueShape(v), expected, v);
    }
  });

  it("score bags the same from the cache, and past its capacity", () => {
    const rng = createRng(3);
    const weights = Float32Array.from({ length: 1024 }, () => rng() - 0.5);
    const serving = new ScoringSink(WeightTable.fromDense(weights));
    const collect = new CollectingSink(1024);
    serving.beginDocument();
    for (let line = 0; line < 700; line++) {
      for (const sink of [serving, collect]) {
        sink.addBag(7, line, [line, line * 3]);
        sink.addBag(7, line, [line, line * 3]);
      }
    }
    assert.ok(Math.abs(scoreVector(weights, collect.take()) - serving.score) < 1e-3);
  });
});

describe("issuer header and receipt year", () => {
  it("keys the first lines and reads the year of the first date", () => {
    const doc = prepareDocument("MR D.I.Y. (M) SDN BHD\nCO-REG 860671-D\nLOT 1851\nJALAN KPB 6\nKAWASAN\n22-04-16 10:00\nTOTAL 9.00");
    assert.equal(HEADER_LINES, 4);
    assert.ok(doc.headerKeys.includes(hashString("sdn") | 0) && !doc.headerKeys.includes(hashString("kawasan") | 0));
    assert.equal(documentYear(doc), 2016);
    assert.equal(documentYear(prepareDocument("NO DATE HERE 9.00")), null);
  });

  it("reads years from every date format", () => {
    for (const [text, year] of [["25/12/2018", 2018], ["2018-03-23", 2018], ["05 MAR 18", 2018], ["OCT 3, 2016", 2016], ["20180323", 2018], ["23032018", 2018], ["01/01/1850", null]] as const) {
      const match = findDates(text)[0];
      assert.ok(match !== undefined, text);
      assert.equal(dateYear(match), year, text);
    }
  });
});

describe("OCR-tolerant value memory", () => {
  const memory = new ValueMemory();
  for (const v of ["KAWASAN PERINDUSTRIAN BALAKONG", "KAWASAN PERINDUSTRIAN BALAKONG", "HAPPY SNACKS ENTERPRISE", "TAMAN DAYA"]) memory.add(v);

  it("snaps a damaged value within the edit budget, and nothing beyond it", () => {
    const damaged = canonicalKey("KWANSAN PERINDUSTRIAN BLANKONG");
    assert.equal(memory.nearest(damaged, 0.15), canonicalKey("KAWASAN PERINDUSTRIAN BALAKONG"));
    assert.equal(memory.nearest(damaged, 0.05), null);
    assert.equal(memory.nearest(canonicalKey("HAPPY SNACKS ENTYERPRISE"), 0.05), canonicalKey("HAPPY SNACKS ENTERPRISE"));
    assert.equal(memory.nearest(canonicalKey("TAMAN JAYA"), 0.1), null, "a short key gets no budget for a real difference");
  });

  it("counts values through the signature filter exactly as through their keys", () => {
    for (const v of ["KAWASAN PERINDUSTRIAN, BALAKONG.", "kawasan perindustrian balakong", "TAMAN DAYA", "TAMAN  RAYA", "Ünïcode", "", "12"]) {
      assert.equal(memory.countValue(v), memory.count(canonicalKey(v)), v);
    }
  });

  it("bounds the edit distance exactly, with a histogram bound below it", () => {
    const rng = createRng(11);
    const word = (): string => Array.from({ length: 3 + Math.floor(rng() * 12) }, () => "abc1"[Math.floor(rng() * 4)]).join("");
    for (let k = 0; k < 400; k++) {
      const a = word();
      const b = word();
      const exact = levenshtein(a, b);
      for (const budget of [0, 1, 2, 4]) assert.equal(boundedEditDistance(a, b, budget), Math.min(exact, budget + 1), `${a} ${b} ${budget}`);
      assert.ok(histogramLowerBound(characterHistogram(a), characterHistogram(b)) <= exact);
    }
  });
});

describe("measureLatency", () => {
  it("times every call after the warm-up and reports ordered percentiles", async () => {
    let calls = 0;
    const report = await measureLatency(() => calls++, [1, 2, 3], { passes: 4, warmupPasses: 2 });
    assert.equal(calls, 18);
    assert.equal(report.calls, 12);
    assert.equal(report.warmupCalls, 6);
    for (const p of [report.wallMs, report.cpuMs]) assert.ok(p.p50 <= p.p99 && p.p99 <= p.p999 && p.p999 <= p.max);
    assert.deepEqual(percentiles([3, 1, 2, 4]), { p50: 2, p90: 4, p99: 4, p999: 4, max: 4, mean: 2.5 });
  });
});
