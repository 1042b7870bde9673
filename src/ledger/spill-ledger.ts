/**
 * A LedgerStore in front of a remote one (PostgreSQL) that keeps recording while the remote store is unreachable.
 *
 * append: while nothing is spilled, the entry goes to the inner store. If that fails with a transient error (connection
 * refused or reset, server restarting, timeout: isTransientStoreError), the entry (its ts fixed before the first try) is
 * written as one JSONL line to the local spill file and fsynced before append resolves: the request's record is durable
 * on this machine. While the spill holds rows, new appends go to the spill too, so rows reach the ledger in the order
 * they were recorded. A spilled append resolves with the row as it will be stored but WITHOUT a chain position yet:
 * `seq: -1`, `prevHash: ""`, `hash: ""` (the chain is assigned when the row is replayed).
 *
 * A replayer (every `retryMs`, default 1000 ms, unref'd) re-appends spilled rows in order, a chunk at a time, to the inner
 * store, and truncates the file once drained. Inner appends are idempotent (same request id, kind and content → the stored
 * row), so a crash or a lost acknowledgement mid-replay duplicates nothing: the file is only truncated after every row in
 * it is stored. A spill file found at start (a replica that died during an outage) is replayed first. When the file would
 * pass `maxBytes`, append throws `ledger_unavailable` (the gateway answers 503): a row is never dropped silently. A row the
 * inner store refuses for good (not transient) stops the replay with an error log, never skipped.
 *
 * verify, exportRows, prune, count, head and findRequest read the inner store only: spilled rows appear there once
 * replayed. close() makes one last replay attempt and leaves the file in place if the store is still unreachable.
 */
import { extend } from "../core/objects.ts";
import { mkdirSync, readFileSync, truncateSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { FrugalError, where } from "../core/errors.ts";
import { normalizeEntry } from "./ledger-rows.ts";
import type { LedgerEntry, LedgerRow, LedgerStore } from "./ledger-types.ts";
import { isTransientStoreError } from "./postgres/pg-pool.ts";

export interface SpillState {
  /** Rows in the spill that the inner store does not have yet. */
  rows: number;
  /** Size of the spill file (what maxBytes bounds). */
  bytes: number;
  /** True while rows wait in the spill (appends go there). */
  spilling: boolean;
  /** True after an append was refused because the spill is full, until the spill has room again. */
  full: boolean;
}

export interface SpillLog {
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

export interface SpillingLedgerOptions {
  inner: LedgerStore;
  path: string;
  maxBytes: number;
  retryMs?: number;
  /** Rows re-appended at once per replay step (default 256): same-tick appends are one group commit in the inner store. */
  replayChunk?: number;
  onState?: (state: SpillState) => void;
  log?: SpillLog;
  now?: () => number;
}

export type SpillingLedger = LedgerStore & { pending(): { rows: number; bytes: number } };

interface Spilled {
  entry: LedgerEntry;
  bytes: number;
}

/** Reads a spill left by an earlier process; an unterminated last line (a write cut by a crash) was never acknowledged. */
function readLeftover(path: string): { rows: Spilled[]; bytes: number } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { rows: [], bytes: 0 };
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  const bytes = Buffer.byteLength(complete);
  if (bytes < Buffer.byteLength(text)) truncateSync(path, bytes);
  const rows: Spilled[] = [];
  complete.split("\n").forEach((line, i) => {
    if (line === "") return;
    try {
      rows.push({ entry: JSON.parse(line) as LedgerEntry, bytes: Buffer.byteLength(line) + 1 });
    } catch {
      throw new FrugalError("input_invalid", `${where(path, { line: i + 1 })}: ledger spill line is not JSON; move the file aside to start`, { details: { file: path, line: i + 1 } });
    }
  });
  return { rows, bytes };
}

export function createSpillingLedger(options: SpillingLedgerOptions): SpillingLedger {
  const { inner, path, maxBytes } = options;
  const now = options.now ?? Date.now;
  const chunkSize = options.replayChunk ?? 256;
  const leftover = readLeftover(path);
  const queue: Spilled[] = leftover.rows;
  let fileBytes = leftover.bytes;
  let full = false;
  let closed = false;
  let file: FileHandle | undefined;
  let replaying: Promise<void> | undefined;
  let refusedId: string | undefined;
  let buffered: Array<{ line: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  // File operations run one at a time, in order: appends' writes and the truncation after a replay never interleave.
  let lane: Promise<unknown> = Promise.resolve();
  const inLane = <T>(work: () => Promise<T>): Promise<T> => {
    const result = lane.then(work);
    lane = result.catch(() => {});
    return result;
  };

  const state = (): void => options.onState?.({ rows: queue.length, bytes: fileBytes, spilling: queue.length > 0, full });

  // Group fsync: the lines buffered while a write is in flight go out in one write and one fdatasync.
  async function writeBuffered(): Promise<void> {
    const batch = buffered;
    buffered = [];
    try {
      if (file === undefined) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        file = await open(path, "a", 0o600);
      }
      await file.write(batch.map((b) => b.line).join(""));
      await file.datasync();
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  async function spill(entry: LedgerEntry): Promise<LedgerRow> {
    const fields = normalizeEntry(entry, now()); // an entry the store would refuse must not poison the spill
    const line = `${JSON.stringify(entry)}\n`;
    const bytes = Buffer.byteLength(line);
    if (fileBytes + bytes > maxBytes) {
      full = true;
      state();
      throw new FrugalError("ledger_unavailable", `the ledger store is unreachable and its local spill is full (${fileBytes} of ${maxBytes} bytes in ${path}): request refused rather than left unrecorded`, {
        details: { file: path, bytes: fileBytes, maxBytes },
      });
    }
    const item = { entry, bytes };
    if (queue.length === 0) options.log?.warn("ledger store unreachable: spilling rows to the local file", { path });
    queue.push(item);
    fileBytes += bytes;
    state();
    try {
      await new Promise<void>((resolve, reject) => {
        if (buffered.push({ line, resolve, reject }) === 1) void inLane(writeBuffered);
      });
    } catch (error) {
      // Not durable here: the caller is refused, so the row must not reach the ledger later either.
      const at = queue.indexOf(item);
      if (at >= 0) queue.splice(at, 1);
      throw new FrugalError("ledger_unavailable", `the ledger store is unreachable and the spill file cannot be written (${path}): ${(error as Error).message}`, { cause: error });
    }
    return { seq: -1, ...fields, prevHash: "", hash: "" };
  }

  async function replayOnce(): Promise<void> {
    while (queue.length > 0) {
      const chunk = queue.slice(0, chunkSize);
      const results = await Promise.allSettled(chunk.map((s) => inner.append(s.entry)));
      // Only the stored prefix leaves the queue; a later row that made it is appended again next time (idempotent).
      const stored = results.findIndex((r) => r.status === "rejected");
      for (const item of stored === -1 ? chunk : chunk.slice(0, stored)) if (queue[0] === item) queue.shift();
      state();
      if (stored !== -1) {
        const error = (results[stored] as PromiseRejectedResult).reason as unknown;
        const requestId = chunk[stored]?.entry.requestId;
        if (!isTransientStoreError(error) && requestId !== refusedId) {
          refusedId = requestId; // logged once per refused row, not at every retry
          options.log?.error("ledger spill replay refused by the store; the row stays in the spill", { path, requestId, error: (error as Error).message });
        }
        return;
      }
    }
    await inLane(async () => {
      if (queue.length > 0 || file === undefined && fileBytes === 0) return;
      if (file !== undefined) await file.truncate(0);
      else truncateSync(path, 0);
      fileBytes = 0;
      full = false;
      options.log?.warn("ledger spill replayed: rows are in the ledger store again", { path });
      state();
    });
  }

  function replay(): Promise<void> {
    replaying ??= replayOnce().finally(() => {
      replaying = undefined;
    });
    return replaying;
  }

  const timer = setInterval(() => {
    if (queue.length > 0 || fileBytes > 0) void replay();
  }, options.retryMs ?? 1000);
  timer.unref();
  if (queue.length > 0) {
    options.log?.warn("ledger spill left by an earlier run: replaying it first", { path, rows: queue.length });
    setImmediate(() => void replay());
  }

  return {
    kind: `${inner.kind}+spill`,
    async append(entry: LedgerEntry): Promise<LedgerRow> {
      // The ts is fixed before the first try, so a replay of an append whose acknowledgement was lost is the same entry.
      const fixed = extend(entry, { ts: entry.ts ?? new Date(now()).toISOString() });
      if (queue.length === 0) {
        try {
          return await inner.append(fixed);
        } catch (error) {
          if (!isTransientStoreError(error)) throw error;
        }
      }
      return spill(fixed);
    },
    verify: () => inner.verify(),
    exportRows: (exportOptions, write) => inner.exportRows(exportOptions, write),
    prune: (retentionDays, at) => inner.prune(retentionDays, at),
    count: () => inner.count(),
    head: () => inner.head(),
    findRequest: (requestId) => inner.findRequest(requestId),
    pending: () => ({ rows: queue.length, bytes: fileBytes }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await replay().catch(() => {});
      await lane;
      await file?.close();
      if (queue.length > 0) options.log?.warn("ledger store still unreachable: the spill stays for the next start", { path, rows: queue.length });
      await inner.close();
    },
  };
}
