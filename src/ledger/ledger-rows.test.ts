import assert from "node:assert/strict";
import { test } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import { normalizeEntry } from "./ledger-rows.ts";
import { sampleEntry } from "./sample-entry.ts";

test("text a store cannot keep becomes U+FFFD before hashing; well-formed text, surrogate pairs included, is kept as is", () => {
  const row = normalizeEntry(sampleEntry(1, { target: "lone high \uD800 end", team: "lone low \uDC00", model: "pair \uD83D\uDE00 ok", body: "nul \u0000 byte", region: "plain" }), 0);
  assert.equal(row.target, "lone high \uFFFD end");
  assert.equal(row.team, "lone low \uFFFD");
  assert.equal(row.model, "pair \uD83D\uDE00 ok");
  assert.equal(row.body, "nul \uFFFD byte");
  assert.equal(row.region, "plain");
});

test("a missing ts is the instant given, one string per millisecond; a given ts is normalized to ISO", () => {
  const at = Date.parse("2026-12-07T10:00:00.123Z");
  const first = normalizeEntry(sampleEntry(1, { ts: undefined }), at).ts;
  assert.equal(first, "2026-12-07T10:00:00.123Z");
  assert.equal(normalizeEntry(sampleEntry(2, { ts: undefined }), at).ts, first);
  assert.equal(normalizeEntry(sampleEntry(3, { ts: undefined }), at + 1).ts, "2026-12-07T10:00:00.124Z");
  assert.equal(normalizeEntry(sampleEntry(4, { ts: undefined }), at).ts, first);
  assert.equal(normalizeEntry(sampleEntry(5, { ts: "2026-12-07T11:00:00+01:00" }), at).ts, "2026-12-07T10:00:00.000Z");
  assert.throws(() => normalizeEntry(sampleEntry(6, { ts: "yesterday" }), at), (e: unknown) => isFrugalError(e) && /ts: not an ISO 8601 instant/.test(e.message));
});
