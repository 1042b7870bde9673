import { test } from "node:test";
import assert from "node:assert/strict";
import { nirKey } from "./checksums.ts";
import { found } from "./test-helpers.ts";

const corsican = `2 90 03 2A 004 123 ${String(nirKey("290032A004123")).padStart(2, "0")}`;

test("NIR: bare, spaced, Corsica", () => {
  assert.deepEqual(found("NIR 185057800608491."), ["fr_nir:185057800608491"]);
  assert.deepEqual(found("n° 1 85 05 78 006 084 91"), ["fr_nir:1 85 05 78 006 084 91"]);
  assert.deepEqual(found(`né en Corse : ${corsican}`), [`fr_nir:${corsican}`]);
  assert.deepEqual(found(`lower case ${corsican.replace("2A", "2a")}`), [`fr_nir:${corsican.replace("2A", "2a")}`]);
});

test("NIR: near-misses are not flagged", () => {
  assert.deepEqual(found("NIR 1 85 05 78 006 084 36"), [], "wrong key");
  assert.deepEqual(found("NIR 185057800608492"), [], "key changed");
  assert.deepEqual(found("NIR 185157800608491"), [], "month 15 does not exist");
  assert.deepEqual(found("NIR 385057800608491"), [], "first digit is the sex, 1 or 2");
  assert.deepEqual(found(corsican.replace("2A", "2B")), [], "2B keys differently from 2A");
});

test("SIREN and SIRET: spaced or bare, SIRET preferred over the SIREN it starts with", () => {
  assert.deepEqual(found("SIREN 732 829 320, ok"), ["fr_siren:732 829 320"]);
  assert.deepEqual(found("SIREN 732829320"), ["fr_siren:732829320"]);
  assert.deepEqual(found("SIRET 732 829 320 00074"), ["fr_siret:732 829 320 00074"]);
  assert.deepEqual(found("SIRET 732 829 320 000 74"), ["fr_siret:732 829 320 000 74"]);
  assert.deepEqual(found("SIRET 73282932000074."), ["fr_siret:73282932000074"]);
  assert.deepEqual(found("La Poste 356 000 000 00010"), ["fr_siret:356 000 000 00010"]);
  // Only the SIREN detector on: the 14-digit run is not cut into a SIREN.
  assert.deepEqual(found("SIRET 732 829 320 00074", { types: ["fr_siren"] }), []);
});

test("SIREN and SIRET: near-misses are not flagged", () => {
  assert.deepEqual(found("SIREN 732 829 321"), [], "one digit changed");
  assert.deepEqual(found("SIRET 732 829 320 00075"), [], "one digit changed");
  assert.deepEqual(found("SIREN 732 829320"), [], "inconsistent spacing");
  assert.deepEqual(found("montant 732829320 €"), [], "an amount");
  assert.deepEqual(found("total 732 829 320,50"), [], "decimals");
  assert.deepEqual(found("SIREN 000 000 000"), [], "all zeros");
  assert.deepEqual(found("commande 2024-732829320"), [], "the tail of an order number");
});
