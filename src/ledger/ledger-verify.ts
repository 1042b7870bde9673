/**
 * Chain verification, independent of where rows are stored: a store hands pages of rows in seq order and the anchor the
 * chain starts from. The first row that does not follow (missing seq, prevHash that is not the previous hash, content
 * that no longer hashes to its stored hash, a field that no longer parses) is reported with the reason.
 */
import { GENESIS_HASH, rowHash } from "./ledger-hash.ts";
import type { ChainHead, LedgerRow, VerifyResult } from "./ledger-types.ts";

/** A stored row as read back, or why it could not be read. */
export type StoredRow = { ok: true; row: LedgerRow } | { ok: false; seq: number; requestId: string; error: string };

function brokenReason(row: LedgerRow, expectedSeq: number, expectedPrev: string, chainsToAnchor: boolean): string | undefined {
  if (row.seq !== expectedSeq) return `expected seq ${expectedSeq}: rows are missing before this one`;
  if (row.prevHash !== expectedPrev) return chainsToAnchor ? "prevHash does not match the pruning anchor" : "prevHash does not match the hash of the previous row";
  if (rowHash(row.prevHash, row) !== row.hash) return "content does not match its hash: the row was modified";
  return undefined;
}

export async function verifyChain(anchor: ChainHead | undefined, pages: AsyncIterable<StoredRow[]>): Promise<VerifyResult> {
  let expectedSeq = (anchor?.seq ?? 0) + 1;
  let expectedPrev = anchor?.hash ?? GENESIS_HASH;
  let rows = 0;
  let head: ChainHead | undefined;
  const base = anchor === undefined ? {} : { anchor };
  for await (const page of pages) {
    for (const stored of page) {
      rows++;
      if (!stored.ok) {
        return { ok: false, rows, ...base, ...(head && { head }), firstBroken: { seq: stored.seq, requestId: stored.requestId, reason: `unreadable row: ${stored.error}` } };
      }
      const { row } = stored;
      const reason = brokenReason(row, expectedSeq, expectedPrev, rows === 1 && anchor !== undefined);
      if (reason !== undefined) return { ok: false, rows, ...base, ...(head && { head }), firstBroken: { seq: row.seq, requestId: row.requestId, reason } };
      head = { seq: row.seq, hash: row.hash };
      expectedSeq = row.seq + 1;
      expectedPrev = row.hash;
    }
  }
  return { ok: true, rows, ...base, ...(head && { head }) };
}
