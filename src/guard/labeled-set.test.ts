import { test } from "node:test";
import assert from "node:assert/strict";
import { ibanValid, luhnValid, nirValid, sirenValid, siretValid } from "./checksums.ts";
import { generateLabeledSet } from "./labeled-set.ts";
import { BUILTIN_PII_TYPES } from "./types.ts";

const set = generateLabeledSet({ seed: 11, size: 600 });
const compact = (value: string) => value.replace(/[\s\u00a0\u202f-]/g, "").toUpperCase();

test("the labeled set is deterministic for a seed and differs across seeds", () => {
  assert.deepEqual(generateLabeledSet({ seed: 11, size: 600 }), set);
  assert.notDeepEqual(generateLabeledSet({ seed: 12, size: 600 }), set);
});

test("it covers every type, both languages, and near-misses", () => {
  const types = new Set(set.flatMap((s) => s.gold.map((g) => g.type)));
  assert.deepEqual([...types].sort(), [...BUILTIN_PII_TYPES].sort());
  assert.ok(set.some((s) => s.language === "fr") && set.some((s) => s.language === "en"));
  assert.ok(set.filter((s) => s.nearMisses.length > 0).length > 100);
});

test("gold spans hold valid identifiers, checked by the checksums directly", () => {
  for (const sentence of set) {
    for (const gold of sentence.gold) {
      const value = sentence.text.slice(gold.start, gold.end);
      assert.equal(value.trim(), value, `span edges: ${JSON.stringify(value)}`);
      const checks: Record<string, () => boolean> = {
        card: () => luhnValid(compact(value)),
        iban: () => ibanValid(compact(value)),
        fr_nir: () => nirValid(compact(value)),
        fr_siren: () => sirenValid(compact(value)),
        fr_siret: () => siretValid(compact(value)),
        email: () => /^[^@\s]+@[^@\s]+\.[a-z]+$/.test(value),
        phone: () => /^[+(\d][\d\s\u00a0().-]+\d$/.test(value),
        ip: () => /^[\da-f:.]+$/.test(value),
      };
      assert.ok(checks[gold.type]?.(), `${gold.type}: ${value}`);
    }
  }
});

test("checksum near-misses fail their checksum", () => {
  const validators: Record<string, (v: string) => boolean> = { card_checksum: luhnValid, iban_checksum: ibanValid, nir_checksum: nirValid, siren_checksum: sirenValid, siret_checksum: siretValid };
  let checked = 0;
  for (const sentence of set) {
    for (const miss of sentence.nearMisses) {
      const validate = validators[miss.kind];
      if (validate === undefined) continue;
      checked++;
      assert.equal(validate(compact(sentence.text.slice(miss.start, miss.end))), false, sentence.text.slice(miss.start, miss.end));
    }
  }
  assert.ok(checked > 50);
});
