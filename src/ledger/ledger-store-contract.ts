/**
 * The contract every LedgerStore passes: SQLite and PostgreSQL. The harness also gives raw access to the rows
 * (what an insider with database access could do), so the suite can check that verify() names the first broken row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isFrugalError } from "../core/errors.ts";
import { canonicalJson, GENESIS_HASH } from "./ledger-hash.ts";
import type { LedgerEntry, LedgerRow, LedgerStore } from "./ledger-types.ts";
import { sampleEntry } from "./sample-entry.ts";

export interface LedgerHarness {
  /** A store over fresh storage that pages verify/export/prune by `pageSize` rows. */
  open(options: { pageSize: number }): Promise<LedgerStore>;
  /** Raw, behind the store's back: overwrite a row's cost, or delete the row. */
  tamper(seq: number, change: { costUsd: number } | "delete"): Promise<void>;
  cleanup(): Promise<void>;
}

/** The documented formula, re-derived here on purpose rather than imported from the implementation. */
function expectedHash(row: LedgerRow): string {
  const { prevHash, hash: _hash, ...fields } = row;
  return createHash("sha256").update(prevHash + canonicalJson(fields)).digest("hex");
}

async function appendMany(store: LedgerStore, n: number): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  for (let i = 0; i < n; i++) rows.push(await store.append(sampleEntry(i)));
  return rows;
}

async function exported(store: LedgerStore, options: Parameters<LedgerStore["exportRows"]>[0]): Promise<string> {
  let out = "";
  await store.exportRows(options, (chunk) => {
    out += chunk;
  });
  return out;
}

export function runLedgerStoreContract(name: string, harness: () => Promise<LedgerHarness>): void {
  test(`${name}: rows chain by the documented hash formula and verify`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 3 });
    const rows = await appendMany(store, 7);
    assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(rows[0]?.prevHash, GENESIS_HASH);
    for (const [i, row] of rows.entries()) {
      assert.equal(row.hash, expectedHash(row), `seq ${row.seq}`);
      if (i > 0) assert.equal(row.prevHash, rows[i - 1]?.hash);
    }
    assert.equal(rows[0]?.errorCode, null, "absent fields are stored as null");
    assert.deepEqual(await store.verify(), { ok: true, rows: 7, head: { seq: 7, hash: rows[6]?.hash } });
    assert.equal(await store.count(), 7);
    assert.deepEqual(await store.head(), { seq: 7, hash: rows[6]?.hash });
    await h.cleanup();
  });

  test(`${name}: verify names the first modified or missing row`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 2 });
    const rows = await appendMany(store, 6);
    await h.tamper(4, { costUsd: 99 });
    const modified = await store.verify();
    assert.equal(modified.ok, false);
    assert.equal(modified.rows, 4);
    assert.deepEqual(modified.firstBroken, { seq: 4, requestId: "req-3", reason: "content does not match its hash: the row was modified" });
    await h.tamper(4, { costUsd: rows[3]?.costUsd ?? 0 });
    assert.equal((await store.verify()).ok, true, "undoing the change restores the chain");
    await h.tamper(2, "delete");
    const gap = await store.verify();
    assert.equal(gap.firstBroken?.seq, 3);
    assert.match(gap.firstBroken?.reason ?? "", /missing/);
    await h.cleanup();
  });

  test(`${name}: export streams jsonl and csv within [from, to)`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 2 });
    const rows = await appendMany(store, 5);
    await store.append(sampleEntry(5, { body: 'said "hi", then\nleft', pii: {} }));
    const all = (await exported(store, { format: "jsonl" })).trim().split("\n").map((l) => JSON.parse(l) as LedgerRow);
    assert.deepEqual(all.slice(0, 5), rows, "export is the stored rows, chain fields included");
    const window = await exported(store, { format: "jsonl", from: "2025-06-01T01:00:00Z", to: "2025-06-01T03:00:00Z" });
    assert.deepEqual(window.trim().split("\n").map((l) => (JSON.parse(l) as LedgerRow).seq), [2, 3]);
    const csv = await exported(store, { format: "csv", from: "2025-06-01T05:00:00Z" });
    const [header, line] = csv.split("\n");
    assert.match(header ?? "", /^seq,ts,requestId,keyId,team,kind,target,/);
    assert.match(line ?? "", /^6,2025-06-01T05:00:00\.000Z,req-5,k1,finance,task,invoice,/);
    assert.ok(csv.includes('"said ""hi"", then\nleft"'), "quotes, commas and newlines are quoted");
    assert.equal(await exported(store, { format: "csv", from: "2030-01-01" }), `${header}\n`, "no match: just the header");
    await assert.rejects(store.exportRows({ format: "jsonl", from: "yesterday" }, () => {}), (e: unknown) => isFrugalError(e) && e.code === "input_invalid");
    await h.cleanup();
  });

  test(`${name}: prune drops old rows and the chain still verifies from its anchor`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 2 });
    const rows = await appendMany(store, 8); // one row per hour from 2025-06-01T00:00Z
    const now = Date.parse("2025-06-01T05:30:00Z");
    const pruned = await store.prune(3 / 24, now); // keep the last 3 hours: rows from 02:30 on
    assert.deepEqual(pruned, { deleted: 3, anchor: { seq: 3, hash: rows[2]?.hash } });
    assert.equal(await store.count(), 5);
    assert.deepEqual(await store.verify(), { ok: true, rows: 5, anchor: { seq: 3, hash: rows[2]?.hash }, head: { seq: 8, hash: rows[7]?.hash } });
    assert.deepEqual(await store.prune(1000, now), { deleted: 0 });
    assert.equal((await store.prune(0, Date.parse("2026-01-01T00:00:00Z"))).deleted, 5);
    const next = await store.append(sampleEntry(9));
    assert.equal(next.seq, 9);
    assert.equal(next.prevHash, rows[7]?.hash, "after pruning everything, the chain continues from the anchor");
    assert.equal((await store.verify()).ok, true);
    await h.tamper(9, { costUsd: 99 });
    assert.equal((await store.verify()).firstBroken?.seq, 9);
    await h.cleanup();
  });

  test(`${name}: invalid entries are refused and leave no row; text is stored as hashed`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 10 });
    const bad: Array<Partial<LedgerEntry>> = [{ costUsd: Number.NaN }, { status: 42 }, { requestId: "" }, { inputTokens: 1.5 }, { ts: "soon" }];
    for (const overrides of bad) {
      await assert.rejects(store.append(sampleEntry(0, overrides)), (e: unknown) => isFrugalError(e) && e.code === "input_invalid", JSON.stringify(overrides));
    }
    await assert.rejects(store.append({ ...sampleEntry(0), pii: { email: "a@b.c" } as unknown as Record<string, number> }), /pii/);
    assert.equal(await store.count(), 0);
    const row = await store.append(sampleEntry(0, { body: "lone \ud800 surrogate", ts: "2025-06-01T02:00:00+02:00" }));
    assert.equal(row.body, "lone \ufffd surrogate");
    assert.equal(row.ts, "2025-06-01T00:00:00.000Z");
    assert.deepEqual(await store.verify(), { ok: true, rows: 1, head: { seq: 1, hash: row.hash } });
    await h.cleanup();
  });

  test(`${name}: findRequest returns a request's task or route row, never its feedback or events`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 2 });
    await appendMany(store, 5);
    await store.append(sampleEntry(9, { requestId: "req-2", kind: "feedback", body: '{"answer":"x"}' }));
    await store.append(sampleEntry(10, { requestId: "only-event", kind: "event" }));
    const found = await store.findRequest("req-2");
    assert.equal(found?.seq, 3);
    assert.equal(found?.kind, "task");
    assert.equal(await store.findRequest("req-99"), undefined);
    assert.equal(await store.findRequest("only-event"), undefined);
    await h.cleanup();
  });

  test(`${name}: appending a stored entry again returns the stored row and changes nothing`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 2 });
    const rows = await appendMany(store, 3);
    assert.deepEqual(await store.append(sampleEntry(1)), rows[1], "a replay of row 2 is row 2");
    const twice = await Promise.all([store.append(sampleEntry(3)), store.append(sampleEntry(3))]);
    assert.deepEqual(twice[0], twice[1], "the same entry twice in one batch is one row");
    assert.equal(twice[0]?.seq, 4);
    // Same request id and kind, different content: another request (clients may reuse x-request-id), so another row.
    const reused = await store.append(sampleEntry(1, { costUsd: 7 }));
    assert.equal(reused.seq, 5);
    const otherKind = await store.append(sampleEntry(1, { kind: "feedback" }));
    assert.equal(otherKind.seq, 6);
    assert.equal(await store.count(), 6);
    assert.deepEqual(await store.verify(), { ok: true, rows: 6, head: { seq: 6, hash: otherKind.hash } });
    await h.cleanup();
  });

  test(`${name}: concurrent appends form one linear chain`, async () => {
    const h = await harness();
    const store = await h.open({ pageSize: 7 });
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(sampleEntry(i))));
    assert.deepEqual(rows.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    assert.deepEqual(await store.verify(), { ok: true, rows: 50, head: await store.head() });
    await h.cleanup();
  });
}
